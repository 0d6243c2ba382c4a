using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Scaling;

namespace Parley.Integrations.Telegram;

/// <summary>
/// Asks Telegram for the updates of the bots in polling mode, for a Parley that has no public HTTPS address: one long
/// poll per bot across all instances (whoever holds the bot's lock), each batch stored in the inbox before the offset
/// moves past it, so Telegram forgets an update only once Parley has it. Integrations are looked up every few seconds:
/// a new one starts polling, a deleted or changed one stops (and starts again with its new settings).
/// </summary>
public sealed partial class TelegramPolling(
    IServiceScopeFactory scopes, ChannelIntegrations integrations, ChannelInbox inbox, TelegramChannel telegram, IReplyLocks locks,
    TimeProvider clock, ILogger<TelegramPolling> logger) : BackgroundService
{
    const int WaitSeconds = 25;
    static readonly TimeSpan LookEvery = TimeSpan.FromSeconds(3);

    readonly Dictionary<Guid, Poller> pollers = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await LookUpAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogLookUpFailed(logger, ex);
                }
                // Wall time, like the channel worker's rounds: only the waits of a rule (the backoff) follow the clock.
                await Task.Delay(LookEvery, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var id in pollers.Keys.ToList()) await StopPollerAsync(id);
        }
    }

    /// <summary>Starts a poller for each bot that polls and has none; stops the ones whose integration is gone or changed.</summary>
    async Task LookUpAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        var stored = await db.Integrations.AsNoTracking().Where(i => i.Type == IntegrationType.Telegram).ToListAsync(ct);
        var polling = stored.Where(i => i.Settings.Mode == TelegramChannel.PollingMode).ToDictionary(i => i.Id);

        foreach (var (id, poller) in pollers.ToList())
        {
            // A poller that ended for another reason than a refused token (another instance had the lock, the
            // database failed) is started again; a refused token waits for the integration to change.
            var ended = poller.Work.IsCompleted && !poller.Work.Result;
            if (!polling.TryGetValue(id, out var current) || current.ProtectedSecrets != poller.ProtectedSecrets || ended) await StopPollerAsync(id);
        }
        foreach (var (id, integration) in polling)
        {
            if (pollers.ContainsKey(id)) continue;
            var stop = new CancellationTokenSource();
            pollers[id] = new Poller(integration.ProtectedSecrets, stop, PollAsync(integration, stop.Token));
        }
    }

    async Task StopPollerAsync(Guid id)
    {
        var poller = pollers[id];
        pollers.Remove(id);
        await poller.Stop.CancelAsync();
        await poller.Work;
        poller.Stop.Dispose();
    }

    /// <summary>Polls one bot until stopped; true when Telegram refused its token (polling stays off until the integration changes).</summary>
    async Task<bool> PollAsync(Integration stored, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            var integration = integrations.Open(stored, webhookUrl: "");
            // Telegram answers a second poller of the same bot with 409 Conflict: one instance polls, the others wait.
            await using var held = await locks.TryAcquireChatAsync(integration.Id, "polling");
            if (held is null) return false;

            int? offset = null;
            for (var failures = 0; !ct.IsCancellationRequested;)
            {
                try
                {
                    var updates = await telegram.GetUpdatesAsync(integration, offset, WaitSeconds, ct);
                    var inbound = updates.Select(u => TelegramInbound.From(u, integration.Settings)).OfType<Inbound>().ToList();
                    await inbox.AcceptAsync(integration.Id, inbound, ct);
                    // The next getUpdates confirms these to Telegram: only now that they are stored.
                    if (updates.Length > 0) offset = updates.Max(u => u.Id) + 1;
                    failures = 0;
                }
                catch (ChannelException ex) when (ex.Permanent)
                {
                    LogRefused(logger, integration.Id, ex.Message);
                    await SetStatusAsync(stored, $"Polling stopped: {ex.Message}");
                    return true;
                }
                catch (ChannelException ex)
                {
                    failures++;
                    var wait = ex.RetryAfter ?? TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, failures - 1)));
                    LogPollFailed(logger, integration.Id, failures, wait, ex.Message);
                    await Task.Delay(wait, clock, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogPollerFailed(logger, ex, stored.Id);
        }
        return false;
    }

    /// <summary>Says why on the integration, unless it was edited since (the edit gets a poller of its own).</summary>
    async Task SetStatusAsync(Integration polled, string status)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        await db.Integrations.Where(i => i.Id == polled.Id && i.ProtectedSecrets == polled.ProtectedSecrets).ExecuteUpdateAsync(i => i
            .SetProperty(x => x.Status, status)
            .SetProperty(x => x.StatusAt, clock.GetUtcNow().UtcDateTime), CancellationToken.None);
    }

    /// <summary>
    /// A bot's poller, known by the encrypted secrets of the integration it started with. Every edit through the admin
    /// API encrypts them anew, so another ciphertext means an edit (settings or token), even one within the same clock
    /// tick, and even one that saves the same token again: how an operator starts polling again after a refused token.
    /// </summary>
    sealed record Poller(string ProtectedSecrets, CancellationTokenSource Stop, Task<bool> Work);

    [LoggerMessage(Level = LogLevel.Error, Message = "The Telegram poller could not look up the integrations that poll")]
    static partial void LogLookUpFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Integration {IntegrationId}: Telegram refused the bot, polling stopped until the integration is updated: {Reason}")]
    static partial void LogRefused(ILogger logger, Guid integrationId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Integration {IntegrationId}: getUpdates failed {Failures} time(s) in a row, trying again in {Wait}: {Reason}")]
    static partial void LogPollFailed(ILogger logger, Guid integrationId, int failures, TimeSpan wait, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Integration {IntegrationId}: the Telegram poller failed; it starts again in a few seconds")]
    static partial void LogPollerFailed(ILogger logger, Exception exception, Guid integrationId);
}
