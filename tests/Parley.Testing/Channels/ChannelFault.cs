namespace Parley.Testing.Channels;

/// <summary>
/// A failure a channel fake answers instead of the real result; each fake writes it in its platform's error shape.
/// A null <see cref="Message"/> takes the platform's usual wording for the status.
/// </summary>
public sealed record ChannelFault(int Status, string? Message = null, TimeSpan? RetryAfter = null)
{
    /// <summary>Abort the connection instead of answering.</summary>
    public bool Drop { get; private init; }

    public static ChannelFault TooManyRequests(TimeSpan retryAfter) => new(429, RetryAfter: retryAfter);

    public static ChannelFault Error(int status, string? message = null) => new(status, message);

    public static ChannelFault DropConnection { get; } = new(0) { Drop = true };
}

/// <summary>
/// Faults scripted per method: the next N calls of a method (or N calls after a few normal ones) get the fault, then it
/// answers normally again.
/// </summary>
sealed class FaultScript
{
    readonly Dictionary<string, Queue<ChannelFault?>> pending = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>After the next <paramref name="after"/> calls of the method answer normally, <paramref name="times"/> get the fault.</summary>
    public void Add(string method, ChannelFault fault, int times, int after = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        lock (pending)
        {
            if (!pending.TryGetValue(method, out var queue))
                pending[method] = queue = new();
            for (var i = 0; i < after; i++)
                queue.Enqueue(null);
            for (var i = 0; i < times; i++)
                queue.Enqueue(fault);
        }
    }

    public ChannelFault? TakeNext(string method)
    {
        lock (pending)
            return pending.TryGetValue(method, out var queue) && queue.TryDequeue(out var fault) ? fault : null;
    }
}
