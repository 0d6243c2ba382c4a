namespace Parley.Insight;

/// <summary>
/// One session's usage on one UTC day: the daily roll-up the usage report reads for whole days. Database triggers on
/// Messages keep it (migration Insight): a message adds itself to its day, a change of its tokens adds the difference,
/// and a session's deletion takes its rows with it, as it takes its messages. Nothing in the code writes it.
/// </summary>
public sealed class UsageDay
{
    public Guid SessionId { get; init; }
    public DateOnly Day { get; init; }
    // The session's own, copied by the trigger (they never change): a report by client, channel or tag needs no join.
    public Guid ChatClientId { get; init; }
    public required string Channel { get; init; }
    public string? Tag { get; init; }
    public long Messages { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
}
