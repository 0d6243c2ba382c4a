using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;

namespace Parley.Conversations;

/// <summary>
/// The events of one reply being generated. Generation appends; any number of readers replay from the start and
/// then follow, so a page that reconnects mid-reply picks it up where it is.
/// </summary>
public sealed class ReplyRun(Action<SseItem<object>>? mirror = null)
{
    readonly Action<SseItem<object>>? mirror = mirror;
    readonly List<SseItem<object>> events = [];
    readonly Lock gate = new();
    TaskCompletionSource changed = NewSignal();
    readonly TaskCompletionSource finished = NewSignal();
    bool completed;

    public Task Finished => finished.Task;

    /// <summary>The id of the reply's stored message, known from the start, so a caller can find it again after a restart.</summary>
    public Guid MessageId { get; set; }

    public bool IsComplete
    {
        get { lock (gate) return completed; }
    }

    /// <summary>The session's reply lock, released when the run ends.</summary>
    public IAsyncDisposable? Lock { get; set; }

    public void Append(SseItem<object> item, bool mirror = true)
    {
        lock (gate) events.Add(item);
        Wake();
        if (mirror) this.mirror?.Invoke(item);
    }

    public void Complete()
    {
        TaskCompletionSource signal;
        lock (gate)
        {
            completed = true;
            signal = changed;
        }
        signal.TrySetResult();
        finished.TrySetResult();
    }

    public async IAsyncEnumerable<SseItem<object>> ReadAllAsync([EnumeratorCancellation] CancellationToken ct)
    {
        // One registration for the reader's life instead of a cancellable wait per event: a reader that goes away wakes
        // the run's waiters once, and the others look again and wait on.
        using var leaving = ct.UnsafeRegister(static run => ((ReplyRun)run!).Wake(), this);
        var next = 0;
        while (true)
        {
            SseItem<object> item = default;
            Task? wait = null;
            var done = false;
            lock (gate)
            {
                // One event at a time under the lock: no copy of what arrived, which would be an allocation per token.
                if (next < events.Count) item = events[next++];
                else if (completed || ct.IsCancellationRequested) done = true;
                else wait = changed.Task;
            }
            if (done)
            {
                ct.ThrowIfCancellationRequested();
                yield break;
            }
            if (wait is null) yield return item;
            else await wait;
        }
    }

    void Wake()
    {
        TaskCompletionSource signal;
        lock (gate)
        {
            signal = changed;
            changed = NewSignal();
        }
        signal.TrySetResult();
    }

    static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
