namespace Parley.Testing.Channels;

/// <summary>The calls a channel fake received, in order, and a way to wait for the next ones.</summary>
sealed class CallLog<TCall>
{
    readonly List<TCall> calls = [];
    TaskCompletionSource arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<TCall> All
    {
        get { lock (calls) return [.. calls]; }
    }

    public void Add(TCall call)
    {
        TaskCompletionSource wake;
        lock (calls)
        {
            calls.Add(call);
            wake = arrived;
            arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        wake.SetResult();
    }

    /// <summary>The <paramref name="count"/>-th call that matches, once it has arrived.</summary>
    public async Task<TCall> WaitForAsync(Func<TCall, bool> matches, int count, TimeSpan timeout, string what)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            Task next;
            lock (calls)
            {
                var matching = calls.Where(matches).Take(count).ToList();
                if (matching.Count == count)
                    return matching[^1];
                next = arrived.Task;
            }

            try
            {
                await next.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Expected {count} {what} call(s) within {timeout}, the fake got {All.Count(matches)}.");
            }
        }
    }
}
