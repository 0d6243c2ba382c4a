using System.Collections.Concurrent;
using Parley.Sessions;

namespace Parley.Conversations;

/// <summary>The text of one message of a conversation in privacy mode.</summary>
public sealed record PrivateText(Guid MessageId, string Content, string? Reasoning);

/// <summary>
/// Where the text of a conversation in privacy mode lives instead of the database: in memory on one instance, in
/// Redis when instances share state, and only until the session expires. The database keeps the messages' rows
/// (role, time, status, usage) with no text in them.
/// </summary>
public interface IPrivateContent
{
    /// <summary>Keeps (or replaces) texts of the session until <paramref name="keepUntil"/>, which also moves the session's other texts' end.</summary>
    Task KeepAsync(Guid sessionId, DateTime keepUntil, IReadOnlyList<PrivateText> texts);

    /// <summary>Puts the kept text back into the private rows among <paramref name="messages"/>; those whose text is gone stay empty.</summary>
    Task FillAsync(Guid sessionId, IReadOnlyList<Message> messages);

    /// <summary>Drops the session's texts: it was cleared or deleted.</summary>
    Task ForgetAsync(Guid sessionId);
}

public static class PrivateContentExtensions
{
    /// <summary>The text of <paramref name="messages"/> goes to the private store; the rows to write keep none of it.</summary>
    public static async Task<List<Message>> KeepTextAsync(this IPrivateContent store, Guid sessionId, DateTime keepUntil, IReadOnlyList<Message> messages)
    {
        await store.KeepAsync(sessionId, keepUntil, [.. messages.Select(m => new PrivateText(m.Id, m.Content, m.Reasoning))]);
        return [.. messages.Select(m => m.WithoutText())];
    }
}

/// <summary>
/// One instance: the texts live in this process and are gone when it stops; the conversation then goes on without
/// what was said before, which is what privacy mode promises.
/// </summary>
public sealed class MemoryPrivateContent(TimeProvider clock) : IPrivateContent
{
    static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);

    sealed class SessionTexts
    {
        public DateTime KeepUntil;
        public readonly ConcurrentDictionary<Guid, PrivateText> Texts = new();
    }

    readonly ConcurrentDictionary<Guid, SessionTexts> sessions = new();
    long nextSweep;

    DateTime Now => clock.GetUtcNow().UtcDateTime;

    public Task KeepAsync(Guid sessionId, DateTime keepUntil, IReadOnlyList<PrivateText> texts)
    {
        SweepWhenDue();
        var kept = sessions.GetOrAdd(sessionId, _ => new SessionTexts());
        lock (kept)
        {
            if (keepUntil > kept.KeepUntil) kept.KeepUntil = keepUntil;
        }
        foreach (var text in texts) kept.Texts[text.MessageId] = text;
        return Task.CompletedTask;
    }

    public Task FillAsync(Guid sessionId, IReadOnlyList<Message> messages)
    {
        if (sessions.TryGetValue(sessionId, out var kept) && kept.KeepUntil > Now) Fill(messages, kept.Texts.GetValueOrDefault);
        return Task.CompletedTask;
    }

    public Task ForgetAsync(Guid sessionId)
    {
        sessions.TryRemove(sessionId, out _);
        return Task.CompletedTask;
    }

    /// <summary>Expired sessions leave memory at most a minute after their end, swept by whichever write comes next.</summary>
    void SweepWhenDue()
    {
        var now = clock.GetTimestamp();
        var due = Interlocked.Read(ref nextSweep);
        if (now < due || Interlocked.CompareExchange(ref nextSweep, now + (long)(SweepEvery.TotalSeconds * clock.TimestampFrequency), due) != due) return;
        var at = Now;
        foreach (var (id, kept) in sessions)
            if (kept.KeepUntil <= at) sessions.TryRemove(new KeyValuePair<Guid, SessionTexts>(id, kept));
    }

    public static void Fill(IReadOnlyList<Message> messages, Func<Guid, PrivateText?> find)
    {
        foreach (var message in messages)
        {
            if (!message.Private || find(message.Id) is not { } text) continue;
            (message.Content, message.Reasoning) = (text.Content, text.Reasoning);
        }
    }
}
