using Microsoft.EntityFrameworkCore;
using Parley.Conversations;
using Parley.Data;

namespace Parley.Integrations;

/// <summary>
/// Sends what an operator writes in a taken-over conversation to the chat app it lives in (a Telegram chat, a
/// WhatsApp phone), through the inbox's delivery: retried, in order with the chat's other answers. Every instance
/// hears the activity; the inbox's unique key lets one of them queue it.
/// </summary>
public sealed partial class OperatorAnswers(
    ISessionActivityBus bus, IServiceScopeFactory scopes, ChannelInbox inbox, TimeProvider clock, ILogger<OperatorAnswers> logger) : IHostedService
{
    IDisposable? subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        subscription = bus.Subscribe(null, activity =>
            activity.Kind == SessionActivityKinds.OperatorMessage ? QueueAsync(activity) : Task.CompletedTask);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        subscription?.Dispose();
        return Task.CompletedTask;
    }

    async Task QueueAsync(SessionActivity activity)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        var chats = await db.ChannelChats.AsNoTracking().Where(c => c.SessionId == activity.SessionId).ToListAsync();
        if (chats.Count == 0) return;

        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var chat in chats)
        {
            var key = $"operator:{activity.MessageId}";
            if (await db.InboundMessages.AnyAsync(m => m.IntegrationId == chat.IntegrationId && m.MessageId == key)) continue;
            // Stored as an answer waiting for its delivery, like the assistant's: the worker sends it in the chat's order.
            db.InboundMessages.Add(new InboundMessage
            {
                IntegrationId = chat.IntegrationId,
                ChatId = chat.ChatId,
                MessageId = key,
                Kind = InboundKind.Operator,
                SentAt = now,
                ReceivedAt = now,
                NextAttemptAt = now,
                Status = InboundStatus.Delivering,
                Outgoing = activity.Text,
            });
        }
        try
        {
            await db.SaveChangesAsync();
            inbox.Wake();
        }
        catch (DbUpdateException)
        {
            // Another instance queued it first.
            LogQueuedElsewhere(logger, activity.SessionId);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "An operator's answer in session {SessionId} was queued by another instance")]
    static partial void LogQueuedElsewhere(ILogger logger, Guid sessionId);
}
