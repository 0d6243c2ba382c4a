using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Insight;

/// <summary>
/// Usage figures, added up by the database: one grouped query over the messages of the range, which the index on
/// (CreatedAt, SessionId, InputTokens, OutputTokens) answers without reading the messages' text (migration Insight).
/// The SQL is written out because grouping by a UTC day is said differently by each database, and the keys below are
/// Parley's own fragments, never caller text; the range goes in as parameters.
/// </summary>
public static class UsageQueries
{
    public const int TopTags = 100;
    public const int TopSessions = 10;

    public static async Task<UsageReport> ReportAsync(AppDb db, UsageRange range, UsageGrouping grouping, CancellationToken ct)
    {
        var postgres = db.Database.IsNpgsql();
        var key = grouping switch
        {
            UsageGrouping.Day => postgres ? """to_char(m."CreatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD')""" : """substr(m."CreatedAt", 1, 10)""",
            UsageGrouping.Client => postgres ? """s."ChatClientId"::text""" : """lower(s."ChatClientId")""",
            UsageGrouping.Channel => """s."Channel" """,
            _ => """s."Tag" """,
        };
        // Days need only the messages; the rest are properties of their sessions.
        var join = grouping == UsageGrouping.Day ? "" : """JOIN "Sessions" AS s ON s."Id" = m."SessionId" """;
        var limit = grouping == UsageGrouping.Tag
            ? $"""ORDER BY COALESCE(SUM(m."InputTokens"), 0) + COALESCE(SUM(m."OutputTokens"), 0) DESC LIMIT {TopTags}"""
            : "";
        var sql = $$"""
            SELECT {{key}} AS "Key", COUNT(*) AS "Messages", COALESCE(SUM(m."InputTokens"), 0) AS "InputTokens", COALESCE(SUM(m."OutputTokens"), 0) AS "OutputTokens"
            FROM "Messages" AS m {{join}}
            WHERE m."CreatedAt" >= {0} AND m."CreatedAt" < {1}
            GROUP BY {{key}} {{limit}}
            """;
        var rows = await db.Database.SqlQueryRaw<GroupRow>(sql, range.From, range.To).ToListAsync(ct);
        var totals = await TotalsAsync(db, range, ct);

        IReadOnlyList<UsageGroup> groups = grouping switch
        {
            UsageGrouping.Day => EveryDay(range, rows),
            UsageGrouping.Client => await WithClientNamesAsync(db, rows, ct),
            _ => [.. rows.Select(r => new UsageGroup(r.Key?.Trim(), r.Key?.Trim(), r.Messages, r.InputTokens, r.OutputTokens))
                .OrderByDescending(g => g.Tokens).ThenBy(g => g.Key, StringComparer.Ordinal)],
        };
        return new UsageReport(range.From, range.To, Name(grouping), totals, groups);
    }

    public static async Task<UsageTotals> TotalsAsync(AppDb db, UsageRange range, CancellationToken ct)
    {
        var totals = await db.Database.SqlQueryRaw<TotalsRow>("""
            SELECT COUNT(*) AS "Messages", COALESCE(SUM(m."InputTokens"), 0) AS "InputTokens", COALESCE(SUM(m."OutputTokens"), 0) AS "OutputTokens",
                   COUNT(DISTINCT m."SessionId") AS "Sessions"
            FROM "Messages" AS m
            WHERE m."CreatedAt" >= {0} AND m."CreatedAt" < {1}
            """, range.From, range.To).SingleAsync(ct);
        return new UsageTotals(totals.Messages, totals.InputTokens, totals.OutputTokens, totals.Sessions);
    }

    /// <summary>The sessions that used the most tokens in the range, with what identifies them.</summary>
    public static async Task<IReadOnlyList<TopSession>> TopSessionsAsync(AppDb db, UsageRange range, CancellationToken ct)
    {
        var top = await db.Messages.AsNoTracking()
            .Where(m => m.CreatedAt >= range.From && m.CreatedAt < range.To)
            .GroupBy(m => m.SessionId)
            .Select(g => new { SessionId = g.Key, Messages = (long)g.Count(), Input = g.Sum(m => (long)m.InputTokens), Output = g.Sum(m => (long)m.OutputTokens) })
            .OrderByDescending(g => g.Input + g.Output).ThenBy(g => g.SessionId)
            .Take(TopSessions)
            .ToListAsync(ct);
        var ids = top.Select(t => t.SessionId).ToList();
        var sessions = await db.Sessions.AsNoTracking().Where(s => ids.Contains(s.Id))
            .Select(s => new { s.Id, s.ChatClientId, s.Tag, s.Channel }).ToDictionaryAsync(s => s.Id, ct);
        var names = await db.ChatClients.AsNoTracking().Select(c => new { c.Id, c.Name }).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        return [.. top.Where(t => sessions.ContainsKey(t.SessionId)).Select(t =>
        {
            var s = sessions[t.SessionId];
            return new TopSession(s.Id, s.ChatClientId, names.GetValueOrDefault(s.ChatClientId), s.Tag, s.Channel, t.Messages, t.Input, t.Output);
        })];
    }

    public static string Name(UsageGrouping grouping) => grouping.ToString().ToLowerInvariant();

    public static UsageGrouping? ParseGrouping(string? text) => text switch
    {
        null or "" or "day" => UsageGrouping.Day,
        "client" => UsageGrouping.Client,
        "channel" => UsageGrouping.Channel,
        "tag" => UsageGrouping.Tag,
        _ => null,
    };

    static List<UsageGroup> EveryDay(UsageRange range, List<GroupRow> rows)
    {
        var byDay = rows.Where(r => r.Key is not null).ToDictionary(r => r.Key!, StringComparer.Ordinal);
        var days = new List<UsageGroup>();
        for (var day = range.From.Date; day < range.To; day = day.AddDays(1))
        {
            var key = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            days.Add(byDay.TryGetValue(key, out var r)
                ? new UsageGroup(key, key, r.Messages, r.InputTokens, r.OutputTokens)
                : new UsageGroup(key, key, 0, 0, 0));
        }
        return days;
    }

    static async Task<List<UsageGroup>> WithClientNamesAsync(AppDb db, List<GroupRow> rows, CancellationToken ct)
    {
        var names = await db.ChatClients.AsNoTracking().Select(c => new { c.Id, c.Name }).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        return [.. rows.Select(r =>
            {
                var id = Guid.TryParse(r.Key, out var parsed) ? parsed : Guid.Empty;
                return new UsageGroup(id.ToString(), names.GetValueOrDefault(id), r.Messages, r.InputTokens, r.OutputTokens);
            })
            .OrderByDescending(g => g.Tokens).ThenBy(g => g.Label, StringComparer.CurrentCultureIgnoreCase)];
    }

    sealed record GroupRow(string? Key, long Messages, long InputTokens, long OutputTokens);

    sealed record TotalsRow(long Messages, long InputTokens, long OutputTokens, long Sessions);
}
