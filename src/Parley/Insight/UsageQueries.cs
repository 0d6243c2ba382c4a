using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Insight;

/// <summary>
/// Usage figures, added up by the database. A range of whole UTC days (the console's, and the API's for dates) reads
/// the daily roll-up (<see cref="UsageDay"/>: one row per session and day, a tenth of the messages or fewer); a range
/// that starts or ends inside a day adds up the messages themselves, through the index on (CreatedAt, SessionId,
/// InputTokens, OutputTokens) that spares their text. That SQL is written out because grouping by a UTC day is said
/// differently by each database; its keys are Parley's own fragments, never caller text, and the range goes in as
/// parameters. docs/benchmarks.md has both timings on a year of data.
/// </summary>
public static class UsageQueries
{
    public const int TopTags = 100;
    public const int TopSessions = 10;

    public static async Task<UsageReport> ReportAsync(AppDb db, UsageRange range, UsageGrouping grouping, CancellationToken ct)
    {
        var rows = range.WholeDays ? await FromDaysAsync(db, range, grouping, ct) : await FromMessagesAsync(db, range, grouping, ct);
        var totals = await TotalsAsync(db, range, ct);
        IReadOnlyList<UsageGroup> groups = grouping switch
        {
            UsageGrouping.Day => EveryDay(range, rows),
            UsageGrouping.Client => await WithClientNamesAsync(db, rows, ct),
            _ => [.. rows.Select(r => new UsageGroup(r.Key?.Trim(), r.Key?.Trim(), r.Messages, r.InputTokens, r.OutputTokens))
                .OrderByDescending(g => g.Tokens).ThenBy(g => g.Key, StringComparer.Ordinal)],
        };
        var voice = await Voice.VoiceUsage.OfAsync(db.VoiceUses.AsNoTracking().Where(u => u.CreatedAt >= range.From && u.CreatedAt < range.To), ct);
        return new UsageReport(range.From, range.To, Name(grouping), totals, groups, voice);
    }

    static async Task<List<GroupRow>> FromDaysAsync(AppDb db, UsageRange range, UsageGrouping grouping, CancellationToken ct)
    {
        var days = InDays(db, range);
        if (grouping == UsageGrouping.Day)
        {
            var byDay = await days.GroupBy(u => u.Day)
                .Select(g => new { g.Key, Messages = g.Sum(u => u.Messages), Input = g.Sum(u => u.InputTokens), Output = g.Sum(u => u.OutputTokens) })
                .ToListAsync(ct);
            return [.. byDay.Select(d => new GroupRow(d.Key.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Messages, d.Input, d.Output))];
        }
        // The roll-up carries each session's client, channel and tag: no join with the sessions.
        if (grouping == UsageGrouping.Client)
        {
            var byClient = await days.GroupBy(u => u.ChatClientId)
                .Select(g => new { g.Key, Messages = g.Sum(u => u.Messages), Input = g.Sum(u => u.InputTokens), Output = g.Sum(u => u.OutputTokens) })
                .ToListAsync(ct);
            return [.. byClient.Select(c => new GroupRow(c.Key.ToString(), c.Messages, c.Input, c.Output))];
        }
        if (grouping == UsageGrouping.Channel)
        {
            var byChannel = await days.GroupBy(u => u.Channel)
                .Select(g => new { g.Key, Messages = g.Sum(u => u.Messages), Input = g.Sum(u => u.InputTokens), Output = g.Sum(u => u.OutputTokens) })
                .ToListAsync(ct);
            return [.. byChannel.Select(c => new GroupRow(c.Key, c.Messages, c.Input, c.Output))];
        }
        var byTag = await days.GroupBy(u => u.Tag)
            .Select(g => new { g.Key, Messages = g.Sum(u => u.Messages), Input = g.Sum(u => u.InputTokens), Output = g.Sum(u => u.OutputTokens) })
            .OrderByDescending(g => g.Input + g.Output).Take(TopTags)
            .ToListAsync(ct);
        return [.. byTag.Select(t => new GroupRow(t.Key, t.Messages, t.Input, t.Output))];
    }

    static IQueryable<UsageDay> InDays(AppDb db, UsageRange range) =>
        db.UsageDays.AsNoTracking().Where(u => u.Day >= range.FirstDay && u.Day < range.EndDay);

    static async Task<List<GroupRow>> FromMessagesAsync(AppDb db, UsageRange range, UsageGrouping grouping, CancellationToken ct)
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
        return await db.Database.SqlQueryRaw<GroupRow>(sql, range.From, range.To).ToListAsync(ct);
    }

    public static async Task<UsageTotals> TotalsAsync(AppDb db, UsageRange range, CancellationToken ct)
    {
        if (range.WholeDays)
        {
            var days = InDays(db, range);
            var sums = await days.GroupBy(_ => 1)
                .Select(g => new { Messages = g.Sum(u => u.Messages), Input = g.Sum(u => u.InputTokens), Output = g.Sum(u => u.OutputTokens) })
                .SingleOrDefaultAsync(ct);
            var sessions = await days.Select(u => u.SessionId).Distinct().LongCountAsync(ct);
            return new UsageTotals(sums?.Messages ?? 0, sums?.Input ?? 0, sums?.Output ?? 0, sessions);
        }
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
        // Anonymous types, not records: EF Core can order by the members of what it built only then.
        var top = range.WholeDays
            ? (await InDays(db, range).GroupBy(u => u.SessionId)
                .Select(g => new { SessionId = g.Key, Messages = g.Sum(u => u.Messages), Input = g.Sum(u => u.InputTokens), Output = g.Sum(u => u.OutputTokens) })
                .OrderByDescending(g => g.Input + g.Output).ThenBy(g => g.SessionId).Take(TopSessions).ToListAsync(ct))
                .Select(g => new SessionSums(g.SessionId, g.Messages, g.Input, g.Output)).ToList()
            : (await db.Messages.AsNoTracking()
                .Where(m => m.CreatedAt >= range.From && m.CreatedAt < range.To)
                .GroupBy(m => m.SessionId)
                .Select(g => new { SessionId = g.Key, Messages = (long)g.Count(), Input = g.Sum(m => (long)m.InputTokens), Output = g.Sum(m => (long)m.OutputTokens) })
                .OrderByDescending(g => g.Input + g.Output).ThenBy(g => g.SessionId).Take(TopSessions).ToListAsync(ct))
                .Select(g => new SessionSums(g.SessionId, g.Messages, g.Input, g.Output)).ToList();
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

    sealed record SessionSums(Guid SessionId, long Messages, long Input, long Output);

    sealed record GroupRow(string? Key, long Messages, long InputTokens, long OutputTokens);

    sealed record TotalsRow(long Messages, long InputTokens, long OutputTokens, long Sessions);
}
