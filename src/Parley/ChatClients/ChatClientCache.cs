using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Parley.Data;

namespace Parley.ChatClients;

/// <summary>
/// Chat clients in memory for a few seconds, so a message does not read its client's settings from the database
/// every time. Edits on this instance take effect at once; edits made on another instance within
/// <see cref="Lifetime"/>.
/// </summary>
public sealed class ChatClientCache(IMemoryCache cache)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    public async ValueTask<ChatClient?> GetAsync(Guid id, AppDb db, CancellationToken ct)
    {
        if (cache.TryGetValue(Key(id), out ChatClient? hit)) return hit;

        var client = await db.ChatClients.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, ct);
        cache.Set(Key(id), client, Lifetime);
        return client;
    }

    public void Forget(Guid id) => cache.Remove(Key(id));

    static string Key(Guid id) => $"chat-client:{id}";
}
