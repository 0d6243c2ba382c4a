using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Sessions;

namespace Parley.Conversations;

/// <summary>
/// The two queries every message runs, compiled once: a compiled query skips EF's translation and cache lookup on
/// each call. A compiled query belongs to the one model it first ran against, so each server holds its own.
/// </summary>
public sealed class ConversationQueries
{
    public Func<AppDb, string, CancellationToken, Task<Session?>> SessionByKeyHash { get; } = EF.CompileAsyncQuery(
        (AppDb db, string hash, CancellationToken ct) => (
            from key in db.SessionKeys
            where key.Hash == hash
            join s in db.Sessions on key.SessionId equals s.Id
            select s).AsNoTracking().SingleOrDefault());

    /// <summary>The conversation (not cleared), oldest first.</summary>
    public Func<AppDb, Guid, IAsyncEnumerable<Message>> Conversation { get; } = EF.CompileAsyncQuery<AppDb, Guid, Message>(
        (db, sessionId) => db.Messages
            .Where(m => m.SessionId == sessionId && m.ClearedAt == null)
            .AsNoTracking()
            .OrderBy(m => m.CreatedAt)
            .ThenBy(m => m.Id));
}
