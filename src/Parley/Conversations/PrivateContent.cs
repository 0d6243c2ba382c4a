using System.Collections.Concurrent;
using Parley.Sessions;

namespace Parley.Conversations;

/// <summary>The text of one message of a conversation in privacy mode.</summary>
public sealed record PrivateText(Guid MessageId, string Content, string? Reasoning, Research.ReplyResearch? Research = null);

/// <summary>A file of a conversation in privacy mode: its name and bytes (<see cref="Data"/> null when only names were asked for).</summary>
public sealed record PrivateFile(Guid AttachmentId, string Name, byte[]? Data);

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

    /// <summary>Keeps files of the session, names and bytes, as long as its texts.</summary>
    Task KeepFilesAsync(Guid sessionId, DateTime keepUntil, IReadOnlyList<PrivateFile> files);

    /// <summary>The kept files among <paramref name="attachmentIds"/>, by id; their bytes only <paramref name="withData"/>.</summary>
    Task<IReadOnlyDictionary<Guid, PrivateFile>> FilesAsync(Guid sessionId, IReadOnlyCollection<Guid> attachmentIds, bool withData);

    /// <summary>Drops the session's texts and files: it was cleared or deleted.</summary>
    Task ForgetAsync(Guid sessionId);
}

public static class PrivateContentExtensions
{
    /// <summary>The text of <paramref name="messages"/> goes to the private store; the rows to write keep none of it.</summary>
    public static async Task<List<Message>> KeepTextAsync(this IPrivateContent store, Guid sessionId, DateTime keepUntil, IReadOnlyList<Message> messages)
    {
        await store.KeepAsync(sessionId, keepUntil, [.. messages.Select(m => new PrivateText(m.Id, m.Content, m.Reasoning, m.Research))]);
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

    sealed class SessionContent
    {
        public DateTime KeepUntil;
        public readonly ConcurrentDictionary<Guid, PrivateText> Texts = new();
        public readonly ConcurrentDictionary<Guid, PrivateFile> Files = new();
    }

    readonly ConcurrentDictionary<Guid, SessionContent> sessions = new();
    long nextSweep;

    DateTime Now => clock.GetUtcNow().UtcDateTime;

    public Task KeepAsync(Guid sessionId, DateTime keepUntil, IReadOnlyList<PrivateText> texts)
    {
        var kept = Keep(sessionId, keepUntil);
        foreach (var text in texts) kept.Texts[text.MessageId] = text;
        return Task.CompletedTask;
    }

    public Task KeepFilesAsync(Guid sessionId, DateTime keepUntil, IReadOnlyList<PrivateFile> files)
    {
        var kept = Keep(sessionId, keepUntil);
        foreach (var file in files) kept.Files[file.AttachmentId] = file;
        return Task.CompletedTask;
    }

    SessionContent Keep(Guid sessionId, DateTime keepUntil)
    {
        SweepWhenDue();
        var kept = sessions.GetOrAdd(sessionId, _ => new SessionContent());
        lock (kept)
        {
            if (keepUntil > kept.KeepUntil) kept.KeepUntil = keepUntil;
        }
        return kept;
    }

    public Task<IReadOnlyDictionary<Guid, PrivateFile>> FilesAsync(Guid sessionId, IReadOnlyCollection<Guid> attachmentIds, bool withData)
    {
        var found = new Dictionary<Guid, PrivateFile>();
        if (sessions.TryGetValue(sessionId, out var kept) && kept.KeepUntil > Now)
        {
            foreach (var id in attachmentIds)
                if (kept.Files.TryGetValue(id, out var file)) found[id] = withData ? file : file with { Data = null };
        }
        return Task.FromResult<IReadOnlyDictionary<Guid, PrivateFile>>(found);
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
            if (kept.KeepUntil <= at) sessions.TryRemove(new KeyValuePair<Guid, SessionContent>(id, kept));
    }

    public static void Fill(IReadOnlyList<Message> messages, Func<Guid, PrivateText?> find)
    {
        foreach (var message in messages)
        {
            if (!message.Private || find(message.Id) is not { } text) continue;
            (message.Content, message.Reasoning, message.Research) = (text.Content, text.Reasoning, text.Research);
        }
    }
}
