using System.Collections.Concurrent;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace Parley.Bench;

/// <summary>
/// The .NET runtime's own counters of another process (garbage-collection pauses, bytes allocated, thread-pool threads
/// and queue), read through the runtime's diagnostics port once a second, the way <c>dotnet-counters</c> reads them.
/// Parley runs in a process of its own in the capacity suite, so its GC cannot be asked from here.
/// </summary>
public sealed class RuntimeCounters : IAsyncDisposable
{
    readonly EventPipeSession session;
    readonly Task reading;
    readonly ConcurrentDictionary<string, double> latest = new();
    double allocated, paused, contentions;
    double gen0, gen1, gen2;

    RuntimeCounters(EventPipeSession session)
    {
        this.session = session;
        reading = Task.Run(Read);
    }

    public static RuntimeCounters Start(int processId)
    {
        var provider = new EventPipeProvider("System.Runtime", System.Diagnostics.Tracing.EventLevel.Informational, 0xFFFFFFFF,
            new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" });
        return new RuntimeCounters(new DiagnosticsClient(processId).StartEventPipeSession(provider, requestRundown: false));
    }

    /// <summary>What the counters read now: cumulative pause time and allocations, and the latest thread-pool figures.</summary>
    public Reading Now()
    {
        lock (latest)
            return new Reading(paused, allocated, gen0, gen1, gen2, contentions,
                latest.GetValueOrDefault("threadpool-thread-count"), latest.GetValueOrDefault("threadpool-queue-length"));
    }

    /// <summary>How many methods the process has compiled so far, for warming it up until its JIT settles.</summary>
    public long CompiledMethods() => (long)latest.GetValueOrDefault("methods-jitted-count");

    void Read()
    {
        using var source = new EventPipeEventSource(session.EventStream);
        source.Dynamic.All += e =>
        {
            // The event's one field holds a dictionary whose "Payload" entry is the counter.
            if (e.EventName != "EventCounters" || e.PayloadValue(0) is not IDictionary<string, object> { } field
                || field["Payload"] is not IDictionary<string, object> payload) return;
            var name = (string)payload["Name"];
            lock (latest)
            {
                // "Increment" counters report what happened in the interval; the others report a level.
                if (payload.TryGetValue("Increment", out var increment))
                {
                    var value = Convert.ToDouble(increment, System.Globalization.CultureInfo.InvariantCulture);
                    switch (name)
                    {
                        case "alloc-rate": allocated += value; break;
                        case "total-pause-time-by-gc": paused += value; break;
                        case "monitor-lock-contention-count": contentions += value; break;
                        case "gen-0-gc-count": gen0 += value; break;
                        case "gen-1-gc-count": gen1 += value; break;
                        case "gen-2-gc-count": gen2 += value; break;
                    }
                }
                else if (payload.TryGetValue("Mean", out var mean))
                {
                    latest[name] = Convert.ToDouble(mean, System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        };
        try
        {
            source.Process();
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or ObjectDisposedException)
        {
            // The process ended or the session was stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await session.StopAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or IOException or TimeoutException)
        {
            // The process is already gone.
        }
        await reading.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        session.Dispose();
    }

    /// <summary>Counter values at one moment; the difference of two readings is what happened between them.</summary>
    public readonly record struct Reading(
        double PauseMs, double AllocatedBytes, double Gen0, double Gen1, double Gen2, double LockContentions, double PoolThreads, double PoolQueue)
    {
        public static Reading operator -(Reading later, Reading earlier) => new(later.PauseMs - earlier.PauseMs,
            later.AllocatedBytes - earlier.AllocatedBytes, later.Gen0 - earlier.Gen0, later.Gen1 - earlier.Gen1, later.Gen2 - earlier.Gen2,
            later.LockContentions - earlier.LockContentions, later.PoolThreads, later.PoolQueue);
    }
}
