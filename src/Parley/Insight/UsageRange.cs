using System.Globalization;
using Parley.Api;

namespace Parley.Insight;

/// <summary>
/// The span of time a usage report covers, in UTC: <see cref="From"/> inclusive, <see cref="To"/> exclusive. A bare
/// date means the whole day: <c>from=2026-01-01&amp;to=2026-01-31</c> is all of January.
/// </summary>
public sealed record UsageRange(DateTime From, DateTime To)
{
    /// <summary>A year and a day, so a leap year fits; the grouped queries are measured on a year (docs/benchmarks.md).</summary>
    public const int MaxDays = 366;
    public const int DefaultDays = 30;

    /// <summary>From midnight to midnight: the daily roll-up answers it. Other ranges add up the messages themselves.</summary>
    public bool WholeDays => From.TimeOfDay == TimeSpan.Zero && To.TimeOfDay == TimeSpan.Zero;

    public DateOnly FirstDay => DateOnly.FromDateTime(From);

    /// <summary>The day after the last, exclusive like <see cref="To"/>.</summary>
    public DateOnly EndDay => DateOnly.FromDateTime(To);

    public static (UsageRange? Range, RequestError? Error) Parse(string? from, string? to, DateTime now)
    {
        DateTime end;
        if (string.IsNullOrWhiteSpace(to)) end = now.Date.AddDays(1);
        else if (ParseBound(to, endOfDay: true) is { } parsedTo) end = parsedTo;
        else return (null, new RequestError("to", $"The to parameter must be a date (2026-01-31) or a date and time (2026-01-31T12:00:00Z); \"{to}\" is not."));

        DateTime start;
        if (string.IsNullOrWhiteSpace(from)) start = end.AddDays(-DefaultDays);
        else if (ParseBound(from, endOfDay: false) is { } parsedFrom) start = parsedFrom;
        else return (null, new RequestError("from", $"The from parameter must be a date (2026-01-01) or a date and time (2026-01-01T00:00:00Z); \"{from}\" is not."));

        if (end <= start) return (null, new RequestError("to", "The to parameter must be after from."));
        if (end - start > TimeSpan.FromDays(MaxDays))
            return (null, new RequestError("to", $"The range from from to to must be at most {MaxDays} days."));
        return (new UsageRange(start, end), null);
    }

    /// <summary>A date (the start of that day, or with <paramref name="endOfDay"/> the start of the next) or a date and time.</summary>
    public static DateTime? ParseBound(string text, bool endOfDay)
    {
        text = text.Trim();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddDays(endOfDay ? 1 : 0);
        // A time without a zone is taken as UTC, like every time Parley stores.
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            && text.Contains('T', StringComparison.Ordinal)
            ? at.UtcDateTime
            : null;
    }
}
