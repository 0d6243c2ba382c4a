namespace Parley.Insight;

/// <summary>How a usage report splits its figures.</summary>
public enum UsageGrouping { Day, Client, Channel, Tag }

/// <summary>
/// Usage of a span of time: <see cref="Groups"/> split by <see cref="GroupBy"/>. Days are UTC days, every day of the
/// range listed, quiet ones with zeros; clients, channels and tags come most tokens first, tags only the top ones.
/// <see cref="Voice"/>: the replies read aloud and the recordings transcribed in the range, in all.
/// </summary>
public sealed record UsageReport(
    DateTime From, DateTime To, string GroupBy, UsageTotals Totals, IReadOnlyList<UsageGroup> Groups, Voice.VoiceUsage? Voice = null);

/// <summary>Every message of the range counts, cleared ones too: the provider was paid for them.</summary>
public sealed record UsageTotals(long Messages, long InputTokens, long OutputTokens, long Sessions);

/// <summary>
/// <paramref name="Key"/>: the day (<c>2026-01-31</c>), the chat client's id, the channel, or the tag (null for
/// sessions without one); <paramref name="Label"/> is what a person reads (the chat client's name).
/// </summary>
public sealed record UsageGroup(string? Key, string? Label, long Messages, long InputTokens, long OutputTokens)
{
    public long Tokens => InputTokens + OutputTokens;
}

/// <summary>A session among those that used the most tokens in a range.</summary>
public sealed record TopSession(Guid Id, Guid ChatClientId, string? ClientName, string? Tag, string Channel, long Messages, long InputTokens, long OutputTokens)
{
    public long Tokens => InputTokens + OutputTokens;
}
