using System.Globalization;

namespace Parley.OperatorConsole.Chats;

/// <summary>
/// Times in the operator's own time zone, which only their browser knows: the Chats page asks it once per circuit.
/// Until then, and for a zone this server does not know, times are UTC and say so.
/// </summary>
public sealed class OperatorTime
{
    TimeZoneInfo zone = TimeZoneInfo.Utc;

    public void Use(string? ianaZone)
    {
        if (ianaZone is { Length: > 0 } && TimeZoneInfo.TryFindSystemTimeZoneById(ianaZone, out var found)) zone = found;
    }

    /// <summary>Date and time in the operator's language, e.g. "12/1/2026 2:05 PM" or "01/12/2026 14:05".</summary>
    public string DateAndTime(DateTime utc) => Local(utc).ToString("g", CultureInfo.CurrentCulture) + Suffix;

    public string Time(DateTime utc) => Local(utc).ToString("t", CultureInfo.CurrentCulture) + Suffix;

    string Suffix => zone == TimeZoneInfo.Utc ? " UTC" : "";

    DateTime Local(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);
}
