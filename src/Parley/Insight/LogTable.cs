using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Sessions;

namespace Parley.Insight;

/// <summary>One conversation of the logs: its session, the start of its last message, and what marks it.</summary>
public sealed record LogRow(
    Guid Id, Guid ChatClientId, string? Tag, string Channel, DateTime LastMessageAt, int Messages, string? LastMessage,
    bool HasError, bool Incomplete, bool Negative);

/// <summary>A thumbs down: the reply, the user's comment, and where to find the conversation.</summary>
public sealed record FeedbackRow(Guid MessageId, Guid SessionId, Guid ChatClientId, string? Tag, string Channel, DateTime At, string Reply, string? Comment);

/// <summary>The logs and feedback pages' reads: a page of rows and the count, filtered and ordered by the database.</summary>
public static class LogTable
{
    const int PreviewLength = 140;

    public static async Task<(IReadOnlyList<LogRow> Rows, int Total)> PageAsync(AppDb db, LogFilter filter, int skip, int take, CancellationToken ct)
    {
        var sessions = await filter.SessionsAsync(db, ct);
        var total = await sessions.CountAsync(ct);
        var rows = await sessions.OrderByDescending(s => s.LastMessageAt).ThenByDescending(s => s.Id).Skip(skip).Take(take)
            .Select(s => new LogRow(s.Id, s.ChatClientId, s.Tag, s.Channel, s.LastMessageAt,
                db.Messages.Count(m => m.SessionId == s.Id && m.ClearedAt == null),
                db.Messages.Where(m => m.SessionId == s.Id && m.Content != "").OrderByDescending(m => m.CreatedAt)
                    .Select(m => m.Content.Substring(0, PreviewLength)).FirstOrDefault(),
                db.Messages.Any(m => m.SessionId == s.Id && m.ErrorCode != null),
                db.Messages.Any(m => m.SessionId == s.Id && m.Status == MessageStatus.Incomplete),
                db.Messages.Any(m => m.SessionId == s.Id && m.FeedbackRating == "down")))
            .ToListAsync(ct);
        var masking = await PersonalData.MaskingClientsAsync(db, ct);
        return ([.. rows.Select(r => masking.Contains(r.ChatClientId) && r.LastMessage is { } last ? r with { LastMessage = PersonalData.Mask(last) } : r)], total);
    }

    public static async Task<(IReadOnlyList<FeedbackRow> Rows, int Total)> NegativeFeedbackAsync(AppDb db, int skip, int take, CancellationToken ct)
    {
        var down = db.Messages.AsNoTracking().Where(m => m.FeedbackRating == "down");
        var total = await down.CountAsync(ct);
        var rows = await down.OrderByDescending(m => m.FeedbackAt).ThenByDescending(m => m.Id).Skip(skip).Take(take)
            .Join(db.Sessions, m => m.SessionId, s => s.Id, (m, s) => new FeedbackRow(
                m.Id, s.Id, s.ChatClientId, s.Tag, s.Channel, m.FeedbackAt ?? m.CreatedAt, m.Content.Substring(0, 400), m.FeedbackComment))
            .ToListAsync(ct);
        var masking = await PersonalData.MaskingClientsAsync(db, ct);
        return ([.. rows.Select(r => masking.Contains(r.ChatClientId)
            ? r with { Reply = PersonalData.Mask(r.Reply), Comment = r.Comment is null ? null : PersonalData.Mask(r.Comment) }
            : r)], total);
    }
}
