using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Integrations;

public enum InboundStatus
{
    /// <summary>Stored, waiting for its chat's turn (and the burst around it to end).</summary>
    Pending,
    /// <summary>Answered; the answer in <see cref="InboundMessage.Outgoing"/> is still to reach the chat.</summary>
    Delivering,
    Done,
    /// <summary>Given up after repeated failures; replayable through the admin API.</summary>
    Failed,
}

/// <summary>
/// An update of a chat app, stored before the app's call is acknowledged: a restart loses none, and a failed one can
/// be replayed.
/// </summary>
public sealed class InboundMessage
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid IntegrationId { get; init; }
    public required string ChatId { get; init; }
    /// <summary>The app's own id of the update; unique per integration, which makes a second delivery a no-op.</summary>
    public required string MessageId { get; init; }
    public InboundKind Kind { get; init; }
    public string? Text { get; init; }
    public string? SenderName { get; init; }
    public DateTime SentAt { get; init; }
    public DateTime ReceivedAt { get; init; }
    public InboundStatus Status { get; set; }
    /// <summary>
    /// The assistant's reply this update (the last of a burst) was handed over for: after a restart the stored reply is
    /// sent, and the model is not asked twice.
    /// </summary>
    public Guid? ReplyMessageId { get; set; }
    /// <summary>What is to be sent to the chat in answer (Markdown), while <see cref="Status"/> is Delivering.</summary>
    public string? Outgoing { get; set; }
    /// <summary>How many of the answer's messages the chat has got: a retry goes on from the next one.</summary>
    public int PartsSent { get; set; }
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTime? DoneAt { get; set; }
}

/// <summary>Where adapters put what the chat apps deliver; the channel worker takes it from here.</summary>
public sealed class ChannelInbox(IServiceScopeFactory scopes, TimeProvider clock)
{
    readonly Channel<bool> arrived = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>
    /// Stores updates once each (a repeated delivery of one the inbox already holds is ignored) and wakes the worker.
    /// Returns once they are durable, so the caller may acknowledge them to the app.
    /// </summary>
    public async Task<int> AcceptAsync(Guid integrationId, IReadOnlyCollection<Inbound> updates, CancellationToken ct)
    {
        if (updates.Count == 0) return 0;
        var now = clock.GetUtcNow().UtcDateTime;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        var ids = updates.Select(u => u.MessageId).ToList();
        var known = await db.InboundMessages.Where(m => m.IntegrationId == integrationId && ids.Contains(m.MessageId))
            .Select(m => m.MessageId).ToListAsync(ct);
        var fresh = updates.Where(u => !known.Contains(u.MessageId)).DistinctBy(u => u.MessageId).ToList();
        foreach (var update in fresh)
        {
            db.InboundMessages.Add(new InboundMessage
            {
                IntegrationId = integrationId,
                ChatId = update.ChatId,
                MessageId = update.MessageId,
                Kind = update.Kind,
                Text = update.Text,
                SenderName = update.SenderName,
                SentAt = update.SentAt,
                ReceivedAt = now,
                NextAttemptAt = now,
            });
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (fresh.Count > 1)
        {
            // One of them arrived twice at once, here or on another instance, and the unique index kept the other
            // copy: store the rest one by one, so nothing else is lost.
            var stored = 0;
            foreach (var update in fresh) stored += await AcceptAsync(integrationId, [update], ct);
            return stored;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            var duplicate = await db.InboundMessages.AnyAsync(m => m.IntegrationId == integrationId && m.MessageId == fresh[0].MessageId, ct);
            if (!duplicate) throw;
            return 0;
        }
        Wake();
        return fresh.Count;
    }

    /// <summary>Tells the worker there may be work; many calls before it looks count as one.</summary>
    public void Wake() => arrived.Writer.TryWrite(true);

    /// <summary>Waits until something arrives or <paramref name="timeout"/> passes.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await arrived.Reader.WaitToReadAsync(deadline.Token);
            arrived.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
    }
}
