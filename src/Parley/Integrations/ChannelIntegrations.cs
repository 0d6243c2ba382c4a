using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Parley.Admin;
using Parley.Hosting;
using Parley.Data;

namespace Parley.Integrations;

/// <summary>
/// Integrations as the adapters and the channel worker use them: secrets decrypted, kept in memory for a few seconds
/// so a burst of webhook calls costs no database round trip each. Edits on this instance take effect at once.
/// </summary>
public sealed class ChannelIntegrations(IMemoryCache cache, IDataProtectionProvider protection, IEnumerable<IChannel> channels)
{
    static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);
    readonly IDataProtector protector = protection.CreateProtector("Parley.Integrations.Secrets.v1");
    readonly Dictionary<IntegrationType, IChannel> byType = channels.ToDictionary(c => c.Type);

    public IChannel ChannelFor(IntegrationType type) =>
        byType.TryGetValue(type, out var channel) ? channel : throw new InvalidOperationException($"No adapter for {type} integrations.");

    public async ValueTask<ChannelIntegration?> GetAsync(Guid id, AppDb db, CancellationToken ct)
    {
        if (cache.TryGetValue(Key(id), out ChannelIntegration? hit)) return hit;
        var stored = await db.Integrations.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, ct);
        var integration = stored is null ? null : Open(stored, webhookUrl: "");
        cache.Set(Key(id), integration, Lifetime);
        return integration;
    }

    public void Forget(Guid id) => cache.Remove(Key(id));

    /// <summary>The stored integration with its secrets in clear.</summary>
    public ChannelIntegration Open(Integration stored, string webhookUrl) => new(
        stored.Id, stored.ChatClientId, stored.Type, stored.Settings, Unprotect(stored.ProtectedSecrets), stored.WebhookSecret, webhookUrl,
        stored.Address);

    public string Protect(IntegrationSecrets secrets) =>
        protector.Protect(JsonSerializer.Serialize(LearnedByTheLogs(secrets), JsonSerializerOptions.Web));

    public IntegrationSecrets Unprotect(string protectedSecrets) =>
        LearnedByTheLogs(JsonSerializer.Deserialize<IntegrationSecrets>(protector.Unprotect(protectedSecrets), JsonSerializerOptions.Web)!);

    /// <summary>A chat app's error may echo a token: whatever Parley holds in clear, its logs hide.</summary>
    static IntegrationSecrets LearnedByTheLogs(IntegrationSecrets secrets)
    {
        foreach (var secret in new[] { secrets.BotToken, secrets.InstanceToken, secrets.ClientToken }) SecretRedactor.Learn(secret);
        return secrets;
    }

    /// <summary>Enough of each secret to recognise it, never enough to use it.</summary>
    public static IntegrationSecrets Hints(IntegrationSecrets secrets) => new(
        Mask(secrets.BotToken), Mask(secrets.InstanceId), Mask(secrets.InstanceToken), Mask(secrets.ClientToken));

    /// <summary>A webhook secret: 32 letters and digits, valid in a URL path and as Telegram's secret_token.</summary>
    public static string NewWebhookSecret() => RandomNumberGenerator.GetString(Secrets.KeyAlphabet, 32);

    static string? Mask(string? secret) => secret is null ? null : Secrets.Mask(secret);

    static string Key(Guid id) => $"integration:{id}";
}
