using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Scaling;

namespace Parley.Integrations;

/// <summary>
/// Works the inbox in the background, so a chat app's call is acknowledged at once and a slow model delays nobody:
/// each chat's updates in arrival order and one chat at a time (across instances, through the chat's lock), many
/// chats at once. A chat is taken up when its burst of messages is over (the integration's debounce) or when an
/// answer is due to be delivered again.
/// </summary>
public sealed partial class ChannelWorker(
    IServiceScopeFactory scopes, ChannelInbox inbox, ChannelIntegrations integrations, IReplyLocks locks, TimeProvider clock,
    ILogger<ChannelWorker> logger) : BackgroundService
{
    const int MaxChatsAtOnce = 32;
    static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(1);
    static readonly TimeSpan ShortestWait = TimeSpan.FromMilliseconds(20);

    readonly ConcurrentDictionary<(Guid Integration, string Chat), Task> working = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = LongestWait;
            try
            {
                wait = await StartDueChatsAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(logger, ex);
            }
            try
            {
                await inbox.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        // Chats being worked stop at their next await; what they had stored stays for the next start.
        await Task.WhenAll(working.Values);
    }

    /// <summary>Starts the chats that have something due; returns how long until the next one will be.</summary>
    async Task<TimeSpan> StartDueChatsAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        var open = await db.InboundMessages
            .Where(m => m.Status == InboundStatus.Pending || m.Status == InboundStatus.Delivering)
            .OrderBy(m => m.NextAttemptAt)
            .Select(m => new { m.IntegrationId, m.ChatId, m.Status, m.ReceivedAt, m.NextAttemptAt })
            .Take(5_000)
            .ToListAsync(ct);

        var wait = LongestWait;
        foreach (var chat in open.GroupBy(m => (m.IntegrationId, m.ChatId)))
        {
            if (working.ContainsKey(chat.Key) || working.Count >= MaxChatsAtOnce) continue;
            if (await integrations.GetAsync(chat.Key.IntegrationId, db, ct) is not { } integration) continue;

            // An answer still to deliver holds the chat until its next attempt (a chat reads its answers in order);
            // otherwise the chat is due when its burst is over (its last message is the debounce old) and nothing in
            // it waits for a retry.
            var delivering = chat.Where(m => m.Status == InboundStatus.Delivering).ToList();
            var due = delivering.Count > 0
                ? delivering.MinBy(m => m.ReceivedAt)!.NextAttemptAt
                : new[]
                {
                    chat.Max(m => m.ReceivedAt) + TimeSpan.FromMilliseconds(integration.Settings.DebounceMilliseconds),
                    chat.Max(m => m.NextAttemptAt),
                }.Max();
            if (due > now)
            {
                if (due - now < wait) wait = due - now;
                continue;
            }
            working[chat.Key] = WorkAsync(integration, chat.Key.ChatId, ct);
        }
        return wait < ShortestWait ? ShortestWait : wait;
    }

    async Task WorkAsync(ChannelIntegration integration, string chatId, CancellationToken ct)
    {
        await Task.Yield();
        var worked = false;
        try
        {
            // Another instance may be working this chat: it will see anything new when it is done.
            await using var held = await locks.TryAcquireChatAsync(integration.Id, chatId);
            if (held is null) return;
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ChannelConversation>().WorkAsync(integration, chatId, ct);
            worked = true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogChatFailed(logger, ex, integration.Id);
            await SetAsideAsync(integration.Id, chatId, ex);
        }
        finally
        {
            working.TryRemove((integration.Id, chatId), out _);
            // Something may have arrived for this chat while it was worked; a chat left as it was waits for its time.
            if (worked) inbox.Wake();
        }
    }

    /// <summary>
    /// A chat that failed is tried again later, and after as many failures as a delivery gets, its updates are set
    /// aside as failed (replayable): one broken chat must not keep the worker busy or fill the log.
    /// </summary>
    async Task SetAsideAsync(Guid integrationId, string chatId, Exception error)
    {
        try
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDb>();
            var reason = error.Message.Length <= 1000 ? error.Message : error.Message[..1000];
            await db.InboundMessages
                .Where(m => m.IntegrationId == integrationId && m.ChatId == chatId
                    && (m.Status == InboundStatus.Pending || m.Status == InboundStatus.Delivering))
                .ExecuteUpdateAsync(m => m
                    .SetProperty(x => x.Attempts, x => x.Attempts + 1)
                    .SetProperty(x => x.LastError, reason)
                    .SetProperty(x => x.Status, x => x.Attempts + 1 >= ChannelConversation.MaxDeliveryAttempts ? InboundStatus.Failed : x.Status)
                    .SetProperty(x => x.NextAttemptAt, now.AddSeconds(30)), CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogRoundFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The channel worker could not look for work")]
    static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A chat of integration {IntegrationId} could not be worked; its updates stay in the inbox")]
    static partial void LogChatFailed(ILogger logger, Exception exception, Guid integrationId);
}
