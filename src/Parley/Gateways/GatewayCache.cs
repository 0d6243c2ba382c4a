using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Parley.Data;

namespace Parley.Gateways;

/// <summary>A gateway and its decrypted key, as the relay needs them.</summary>
public sealed record CachedGateway(AiGateway Gateway, string? ApiKey);

/// <summary>
/// Keeps gateways in memory for a few seconds, so the relay's hot path does no database round trip and no
/// decryption. Edits on this instance take effect at once; edits made on another instance within
/// <see cref="Lifetime"/>.
/// </summary>
public sealed class GatewayCache(IMemoryCache cache, GatewayKeyProtector keys)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    public async ValueTask<CachedGateway?> GetAsync(Guid id, AppDb db, CancellationToken ct)
    {
        if (cache.TryGetValue(Key(id), out CachedGateway? hit)) return hit;

        var gateway = await db.Gateways.AsNoTracking().SingleOrDefaultAsync(g => g.Id == id, ct);
        var entry = gateway is null ? null : new CachedGateway(gateway, keys.Unprotect(gateway.ProtectedApiKey));
        cache.Set(Key(id), entry, Lifetime);
        return entry;
    }

    public void Forget(Guid id) => cache.Remove(Key(id));

    static string Key(Guid id) => $"gateway:{id}";
}
