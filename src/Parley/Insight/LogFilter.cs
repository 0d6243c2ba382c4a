using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Parley.Api;
using Parley.Data;
using Parley.OperatorConsole.Chats;
using Parley.Sessions;

namespace Parley.Insight;

/// <summary>
/// Which conversations the logs show and export: of one chat client or all, from one channel, active in a span of
/// time (a session counts when it was open at some point of it), with an error, with a reply cut off, with a thumbs
/// down, or holding some text (the Chats search: tag, assistant name, and message words through the full-text index).
/// </summary>
public sealed record LogFilter(
    Guid? ClientId = null, string? Channel = null, DateTime? From = null, DateTime? To = null,
    bool HasError = false, bool Incomplete = false, bool NegativeFeedback = false, string? Search = null)
{
    public static readonly IReadOnlyList<string> Channels =
        [SessionChannels.Web, SessionChannels.Console, SessionChannels.Telegram, SessionChannels.WhatsApp];

    /// <summary>The filter from query values, or the first one that breaks its rule.</summary>
    public static (LogFilter? Filter, RequestError? Error) Parse(
        Guid? clientId, string? channel, string? from, string? to, bool hasError, bool incomplete, bool negativeFeedback, string? search)
    {
        if (channel is { Length: > 0 } && !Channels.Contains(channel))
            return (null, new RequestError("channel", $"The channel parameter must be one of {string.Join(", ", Channels)}."));
        // The same dates as the usage report, without its length limit: a log may span years.
        DateTime? start = null, end = null;
        if (!string.IsNullOrWhiteSpace(from) && (start = UsageRange.ParseBound(from, endOfDay: false)) is null)
            return (null, new RequestError("from", $"The from parameter must be a date (2026-01-01) or a date and time (2026-01-01T00:00:00Z); \"{from}\" is not."));
        if (!string.IsNullOrWhiteSpace(to) && (end = UsageRange.ParseBound(to, endOfDay: true)) is null)
            return (null, new RequestError("to", $"The to parameter must be a date (2026-01-31) or a date and time (2026-01-31T12:00:00Z); \"{to}\" is not."));
        if (start is { } a && end is { } b && b <= a) return (null, new RequestError("to", "The to parameter must be after from."));
        if (search is { Length: > 200 }) return (null, new RequestError("search", "The search parameter must be at most 200 characters long."));
        return (new LogFilter(clientId, channel is { Length: > 0 } ? channel : null, start, end, hasError, incomplete, negativeFeedback,
            string.IsNullOrWhiteSpace(search) ? null : search.Trim()), null);
    }

    /// <summary>The sessions the filter keeps.</summary>
    public async Task<IQueryable<Session>> SessionsAsync(AppDb db, CancellationToken ct)
    {
        var sessions = db.Sessions.AsNoTracking();
        if (Search is { } text)
        {
            var named = (await db.ChatClients.AsNoTracking().Select(c => new { c.Id, c.Name }).ToListAsync(ct))
                .Where(c => c.Name.Contains(text, StringComparison.CurrentCultureIgnoreCase)).Select(c => c.Id).ToList();
            sessions = SessionSearch.Matching(db, text, named).AsNoTracking();
        }
        if (ClientId is { } clientId) sessions = sessions.Where(s => s.ChatClientId == clientId);
        if (Channel is { } channel) sessions = sessions.Where(s => s.Channel == channel);
        if (From is { } from) sessions = sessions.Where(s => s.LastMessageAt >= from);
        if (To is { } to) sessions = sessions.Where(s => s.CreatedAt < to);
        // Each of these reads the few messages it is about (through a partial index) once, not each session's messages.
        if (HasError) sessions = sessions.Where(s => db.Messages.Where(m => m.ErrorCode != null).Select(m => m.SessionId).Contains(s.Id));
        if (Incomplete) sessions = sessions.Where(s => db.Messages.Where(m => m.Status == MessageStatus.Incomplete).Select(m => m.SessionId).Contains(s.Id));
        if (NegativeFeedback) sessions = sessions.Where(s => db.Messages.Where(m => m.FeedbackRating == "down").Select(m => m.SessionId).Contains(s.Id));
        return sessions;
    }

    /// <summary>The filter as query values, for the export links of the console's logs page.</summary>
    public string ToQuery()
    {
        var values = new List<string>();
        if (ClientId is { } clientId) values.Add($"clientId={clientId}");
        if (Channel is { } channel) values.Add($"channel={Uri.EscapeDataString(channel)}");
        if (From is { } from) values.Add("from=" + from.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        if (To is { } to) values.Add("to=" + to.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        if (HasError) values.Add("hasError=true");
        if (Incomplete) values.Add("incomplete=true");
        if (NegativeFeedback) values.Add("negativeFeedback=true");
        if (Search is { } search) values.Add($"search={Uri.EscapeDataString(search)}");
        return string.Join('&', values);
    }
}
