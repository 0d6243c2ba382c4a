using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Integrations;

public enum IntegrationChange { Done, ClientNotFound, NotFound, Invalid, Rejected, Unavailable }

/// <summary>
/// What a change to an integration did: the integration as shown, or the field and the rule it broke, or what the chat
/// app said when it refused the settings (<see cref="IntegrationChange.Rejected"/>) or could not be reached.
/// </summary>
public sealed record IntegrationOutcome(IntegrationChange Change, IntegrationView? View = null, string? Field = null, string? Message = null);

/// <summary>
/// A chat client's integrations, for the admin API and the console alike: each change is agreed with the chat app
/// first (its webhook set or its instance checked), so nothing is kept that the app refused.
/// </summary>
public sealed class IntegrationStore(
    AppDb db, ChannelIntegrations integrations, ChannelInbox inbox, TimeProvider clock, ILogger<IntegrationStore> logger)
{
    /// <summary>The client's integrations, oldest first; null when there is no such client.</summary>
    public async Task<List<IntegrationView>?> ListAsync(Guid clientId, string baseUrl, CancellationToken ct)
    {
        if (!await db.ChatClients.AnyAsync(c => c.Id == clientId, ct)) return null;
        var stored = await db.Integrations.AsNoTracking().Where(i => i.ChatClientId == clientId).OrderBy(i => i.CreatedAt).ToListAsync(ct);
        return [.. stored.Select(i => IntegrationView.Of(i, WebhookUrl(i, baseUrl)))];
    }

    public async Task<IntegrationView?> GetAsync(Guid clientId, Guid integrationId, string baseUrl, CancellationToken ct)
    {
        var integration = await db.Integrations.AsNoTracking().SingleOrDefaultAsync(i => i.Id == integrationId && i.ChatClientId == clientId, ct);
        return integration is null ? null : IntegrationView.Of(integration, WebhookUrl(integration, baseUrl));
    }

    /// <summary>Creates an integration from a request that passed the API's validation.</summary>
    public async Task<IntegrationOutcome> CreateAsync(Guid clientId, IntegrationRequest request, string baseUrl, CancellationToken ct)
    {
        if (!await db.ChatClients.AnyAsync(c => c.Id == clientId, ct)) return new(IntegrationChange.ClientNotFound);
        var secrets = request.Secrets(previous: null);
        if (request.MissingSecret(secrets) is { } missing) return new(IntegrationChange.Invalid, Field: missing.Field, Message: missing.Message);

        var now = clock.GetUtcNow().UtcDateTime;
        var integration = new Integration
        {
            ChatClientId = clientId,
            Type = request.Type!.Value,
            Settings = request.Settings(),
            ProtectedSecrets = integrations.Protect(secrets),
            SecretHints = ChannelIntegrations.Hints(secrets),
            WebhookSecret = ChannelIntegrations.NewWebhookSecret(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        var webhookUrl = WebhookUrl(integration, baseUrl);
        if (await ConnectAsync(integration, webhookUrl, now, ct) is { } refused) return refused;

        db.Integrations.Add(integration);
        await db.SaveChangesAsync(ct);
        return new(IntegrationChange.Done, IntegrationView.Of(integration, webhookUrl));
    }

    /// <summary>Replaces the settings; a secret left out keeps the one stored. The type cannot change.</summary>
    public async Task<IntegrationOutcome> ReplaceAsync(Guid clientId, Guid integrationId, IntegrationRequest request, string baseUrl, CancellationToken ct)
    {
        var integration = await db.Integrations.SingleOrDefaultAsync(i => i.Id == integrationId && i.ChatClientId == clientId, ct);
        if (integration is null) return new(IntegrationChange.NotFound);
        if (request.Type != integration.Type)
            return new(IntegrationChange.Invalid, Field: "type", Message: "The type field cannot change; delete the integration and create another.");

        var secrets = request.Secrets(previous: integrations.Unprotect(integration.ProtectedSecrets));
        var now = clock.GetUtcNow().UtcDateTime;
        integration.Settings = request.Settings();
        integration.ProtectedSecrets = integrations.Protect(secrets);
        integration.SecretHints = ChannelIntegrations.Hints(secrets);
        integration.UpdatedAt = now;
        var webhookUrl = WebhookUrl(integration, baseUrl);
        if (await ConnectAsync(integration, webhookUrl, now, ct) is { } refused) return refused;

        await db.SaveChangesAsync(ct);
        integrations.Forget(integrationId);
        return new(IntegrationChange.Done, IntegrationView.Of(integration, webhookUrl));
    }

    /// <summary>Disconnects the chat app when it answers and deletes the integration either way; false when there was none.</summary>
    public async Task<bool> DeleteAsync(Guid clientId, Guid integrationId, string baseUrl, CancellationToken ct)
    {
        var integration = await db.Integrations.AsNoTracking().SingleOrDefaultAsync(i => i.Id == integrationId && i.ChatClientId == clientId, ct);
        if (integration is null) return false;
        try
        {
            await integrations.ChannelFor(integration.Type).DisconnectAsync(integrations.Open(integration, WebhookUrl(integration, baseUrl)), ct);
        }
        catch (ChannelException ex)
        {
            // Deleting must work even when the app is down or the token was revoked; the webhook then just fails there.
            IntegrationLog.DisconnectFailed(logger, integration.Id, ex.Message);
        }
        await db.Integrations.Where(i => i.Id == integrationId).ExecuteDeleteAsync(ct);
        integrations.Forget(integrationId);
        return true;
    }

    /// <summary>Puts the updates that failed back in line: unanswered ones are answered, answered ones sent again. Null when there is no such integration.</summary>
    public async Task<int?> ReplayFailedAsync(Guid clientId, Guid integrationId, CancellationToken ct)
    {
        if (!await db.Integrations.AnyAsync(i => i.Id == integrationId && i.ChatClientId == clientId, ct)) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        var replayed = await db.InboundMessages
            .Where(m => m.IntegrationId == integrationId && m.Status == InboundStatus.Failed)
            .ExecuteUpdateAsync(m => m
                .SetProperty(x => x.Status, x => x.Outgoing == null ? InboundStatus.Pending : InboundStatus.Delivering)
                .SetProperty(x => x.Attempts, 0)
                .SetProperty(x => x.NextAttemptAt, now), ct);
        inbox.Wake();
        return replayed;
    }

    /// <summary>Asks the chat app to deliver to Parley; a refusal keeps nothing and says why.</summary>
    async Task<IntegrationOutcome?> ConnectAsync(Integration integration, string webhookUrl, DateTime now, CancellationToken ct)
    {
        try
        {
            var connection = await integrations.ChannelFor(integration.Type).ConnectAsync(integrations.Open(integration, webhookUrl), ct);
            integration.Address = connection.Address ?? integration.Address;
            integration.Status = connection.Status;
            integration.StatusAt = now;
            return null;
        }
        catch (ChannelException ex)
        {
            return new(ex.Permanent ? IntegrationChange.Rejected : IntegrationChange.Unavailable, Message: ex.Message);
        }
    }

    /// <summary>
    /// Where the chat app delivers: Telegram's calls carry the secret in a header, Z-API's cannot, so its URL holds it
    /// and is complete as shown.
    /// </summary>
    public static string WebhookUrl(Integration integration, string baseUrl) => integration.Type switch
    {
        IntegrationType.Telegram => $"{baseUrl}/webhooks/telegram/{integration.Id}",
        _ => $"{baseUrl}/webhooks/zapi/{integration.Id}/{integration.WebhookSecret}",
    };
}
