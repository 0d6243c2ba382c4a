using Microsoft.EntityFrameworkCore;
using Parley.Admin;
using Parley.Conversations;
using Parley.Data;
using Parley.Sessions;

namespace Parley.Insight;

/// <summary>
/// What the console's sessions, logs, feedback and usage pages read. A Blazor circuit lives as long as its page, so
/// each call runs in a DI scope of its own (its own DbContext), as the Chats workspace does.
/// </summary>
public sealed partial class InsightReader(IServiceScopeFactory scopes, TimeProvider clock)
{
    public DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<UsageReport> UsageAsync(UsageRange range, UsageGrouping grouping, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await UsageQueries.ReportAsync(Db(scope), range, grouping, ct);
    }

    public async Task<IReadOnlyList<TopSession>> TopSessionsAsync(UsageRange range, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await UsageQueries.TopSessionsAsync(Db(scope), range, ct);
    }

    public async Task<(IReadOnlyList<SessionTableRow> Rows, int Total)> SessionsAsync(SessionTableQuery query, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await SessionTable.PageAsync(Db(scope), query, ct);
    }

    public async Task<(IReadOnlyList<LogRow> Rows, int Total)> LogsAsync(LogFilter filter, int skip, int take, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await LogTable.PageAsync(Db(scope), filter, skip, take, ct);
    }

    public async Task<(IReadOnlyList<FeedbackRow> Rows, int Total)> NegativeFeedbackAsync(int skip, int take, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await LogTable.NegativeFeedbackAsync(Db(scope), skip, take, ct);
    }

    /// <summary>The chat clients by name, for the pages' filters (there are few of them).</summary>
    public async Task<IReadOnlyList<(Guid Id, string Name)>> ClientsAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var clients = await Db(scope).ChatClients.AsNoTracking().Select(c => new { c.Id, c.Name }).ToListAsync(ct);
        return [.. clients.OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase).Select(c => (c.Id, c.Name))];
    }

    /// <summary>
    /// A new access key for a session, as the session API hands out for a tag: keys given out earlier stay valid. Null
    /// when the session is gone or expired (its link would only say so).
    /// </summary>
    public async Task<string?> IssueKeyAsync(Guid sessionId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = Db(scope);
        if (!await db.Sessions.AnyAsync(s => s.Id == sessionId && s.ExpiresAt > Now, ct)) return null;
        var key = AccessKeys.Create();
        db.SessionKeys.Add(new SessionKey { Hash = Secrets.Hash(key), SessionId = sessionId, CreatedAt = Now });
        await db.SaveChangesAsync(ct);
        return key;
    }

    /// <summary>Clears a session's conversation as its user's "clear" does; false when it is gone.</summary>
    public async Task<bool> ClearAsync(Guid sessionId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var conversations = scope.ServiceProvider.GetRequiredService<ConversationService>();
        if ((await conversations.OpenAsync(sessionId, ct)).Context is not { } context) return false;
        await conversations.ClearAsync(context, ct);
        return true;
    }

    static AppDb Db(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<AppDb>();
}
