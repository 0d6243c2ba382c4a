using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Sessions;

namespace Parley.Insight;

/// <summary>One row of a chat client's sessions table. <paramref name="ContextPreview"/> is the start of the extra context.</summary>
public sealed record SessionTableRow(
    Guid Id, string? Tag, string Channel, int Messages, long InputTokens, long OutputTokens,
    DateTime CreatedAt, DateTime LastMessageAt, DateTime ExpiresAt, string? ContextPreview)
{
    public long Tokens => InputTokens + OutputTokens;
}

/// <summary>What the table asks for: a client, its filters, an order, and a window of rows.</summary>
public sealed record SessionTableQuery(Guid ClientId, string? Tag, string? Channel, string? SortBy, bool Ascending, int Skip, int Take);

/// <summary>
/// A chat client's sessions a page at a time, filtered, sorted and counted by the database: every sort the table
/// offers has an index of the client's sessions behind it except tokens, which reads the client's session rows
/// (not their messages). Message counts are looked up for the page's rows only, so that column cannot be sorted.
/// </summary>
public static class SessionTable
{
    public const int PreviewLength = 80;

    /// <summary>The names the table sorts by; anything else falls back to the newest activity first.</summary>
    public static readonly IReadOnlyList<string> Sorts =
        [nameof(SessionTableRow.Tag), nameof(SessionTableRow.Channel), nameof(SessionTableRow.Tokens),
         nameof(SessionTableRow.CreatedAt), nameof(SessionTableRow.LastMessageAt), nameof(SessionTableRow.ExpiresAt)];

    public static async Task<(IReadOnlyList<SessionTableRow> Rows, int Total)> PageAsync(AppDb db, SessionTableQuery query, CancellationToken ct)
    {
        var sessions = db.Sessions.AsNoTracking().Where(s => s.ChatClientId == query.ClientId);
        if (!string.IsNullOrWhiteSpace(query.Tag))
        {
            var tag = query.Tag.Trim();
            // A tag is an id from the caller's system: its start is what operators type, and a prefix keeps the index.
            sessions = sessions.Where(s => s.Tag != null && s.Tag.StartsWith(tag));
        }
        if (!string.IsNullOrWhiteSpace(query.Channel)) sessions = sessions.Where(s => s.Channel == query.Channel);

        var total = await sessions.CountAsync(ct);
        var ordered = (query.SortBy, query.Ascending) switch
        {
            (nameof(SessionTableRow.Tag), true) => sessions.OrderBy(s => s.Tag),
            (nameof(SessionTableRow.Tag), false) => sessions.OrderByDescending(s => s.Tag),
            (nameof(SessionTableRow.Channel), true) => sessions.OrderBy(s => s.Channel),
            (nameof(SessionTableRow.Channel), false) => sessions.OrderByDescending(s => s.Channel),
            (nameof(SessionTableRow.Tokens), true) => sessions.OrderBy(s => s.InputTokens + s.OutputTokens),
            (nameof(SessionTableRow.Tokens), false) => sessions.OrderByDescending(s => s.InputTokens + s.OutputTokens),
            (nameof(SessionTableRow.CreatedAt), true) => sessions.OrderBy(s => s.CreatedAt),
            (nameof(SessionTableRow.CreatedAt), false) => sessions.OrderByDescending(s => s.CreatedAt),
            (nameof(SessionTableRow.ExpiresAt), true) => sessions.OrderBy(s => s.ExpiresAt),
            (nameof(SessionTableRow.ExpiresAt), false) => sessions.OrderByDescending(s => s.ExpiresAt),
            (nameof(SessionTableRow.LastMessageAt), true) => sessions.OrderBy(s => s.LastMessageAt),
            _ => sessions.OrderByDescending(s => s.LastMessageAt),
        };
        var rows = await ordered.ThenByDescending(s => s.Id)
            .Skip(query.Skip).Take(query.Take)
            .Select(s => new SessionTableRow(s.Id, s.Tag, s.Channel,
                db.Messages.Count(m => m.SessionId == s.Id && m.ClearedAt == null),
                s.InputTokens, s.OutputTokens, s.CreatedAt, s.LastMessageAt, s.ExpiresAt,
                s.ExtraContext == null ? null : s.ExtraContext.Substring(0, PreviewLength)))
            .ToListAsync(ct);
        if (!(await PersonalData.MaskingClientsAsync(db, ct)).Contains(query.ClientId)) return (rows, total);
        return ([.. rows.Select(r => r.ContextPreview is { } preview ? r with { ContextPreview = PersonalData.Mask(preview) } : r)], total);
    }
}
