using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace Parley.Bench;

/// <summary>
/// Another process's memory, threads and open files, read from /proc, and its runtime's counters (GC heap, thread
/// pool), read over its diagnostics port as dotnet-counters does; sampled once a second until disposed.
/// </summary>
public sealed class ProcessWatch : IAsyncDisposable
{
    /// <summary>
    /// One sample: resident memory (and of it the private, anonymous part) in KB, OS threads, open file descriptors,
    /// the CPU time it has used, and the runtime's GC heap (MB), thread-pool threads and work items queued (null until
    /// the first counters).
    /// </summary>
    public sealed record Reading(double AtSeconds, long RssKb, long AnonymousKb, int Threads, int OpenFiles, double CpuSeconds,
        double? GcHeapMb, double? GcCommittedMb, double? PoolThreads, double? PoolQueue);

    readonly int processId;
    readonly Stopwatch clock;
    readonly ConcurrentDictionary<string, double> counters = new();
    // Counters that report what happened in each interval (allocations, collections, pauses), added up.
    readonly ConcurrentDictionary<string, double> sums = new();
    readonly List<Reading> readings = [];
    readonly EventPipeSession? session;
    readonly Task reading;
    readonly CancellationTokenSource stop = new();
    readonly Task sampling;

    ProcessWatch(int processId, Stopwatch clock)
    {
        this.processId = processId;
        this.clock = clock;
        try
        {
            session = new DiagnosticsClient(processId).StartEventPipeSession(
                [new EventPipeProvider("System.Runtime", EventLevel.Informational, 0, new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" })],
                requestRundown: false);
            reading = Task.Factory.StartNew(ReadCounters, TaskCreationOptions.LongRunning);
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or DiagnosticsClientException or IOException)
        {
            Console.WriteLine($"  (runtime counters unavailable: {ex.Message})");
            reading = Task.CompletedTask;
        }
        sampling = SampleAsync();
    }

    public static ProcessWatch Start(int processId, Stopwatch clock) => new(processId, clock);

    public IReadOnlyList<Reading> Readings
    {
        get { lock (readings) return [.. readings]; }
    }

    /// <summary>The process's soft limit on open files.</summary>
    public long OpenFileLimit() => File.ReadLines($"/proc/{processId}/limits")
        .Where(l => l.StartsWith("Max open files", StringComparison.Ordinal))
        .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], CultureInfo.InvariantCulture))
        .First();

    public Reading Now()
    {
        var status = File.ReadLines($"/proc/{processId}/status")
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1].Trim());
        long Kb(string name) => long.Parse(status[name].Split(' ')[0], CultureInfo.InvariantCulture);
        double? Counter(string name) => counters.TryGetValue(name, out var value) ? value : null;
        return new Reading(clock.Elapsed.TotalSeconds, Kb("VmRSS"), Kb("RssAnon"), int.Parse(status["Threads"], CultureInfo.InvariantCulture),
            Directory.EnumerateFileSystemEntries($"/proc/{processId}/fd").Count(), CpuSeconds(),
            Counter("gc-heap-size"), Counter("gc-committed"), Counter("threadpool-thread-count"), Counter("threadpool-queue-length"));
    }

    /// <summary>What the runtime has done so far: the difference of two of these is what it did in between.</summary>
    public Totals RuntimeTotals() => new(sums.GetValueOrDefault("total-pause-time-by-gc"), sums.GetValueOrDefault("alloc-rate"),
        sums.GetValueOrDefault("gen-0-gc-count"), sums.GetValueOrDefault("monitor-lock-contention-count"), CpuSeconds());

    /// <summary>How many methods the process has compiled so far, for warming it up until its JIT settles.</summary>
    public long CompiledMethods() => (long)counters.GetValueOrDefault("methods-jitted-count");

    /// <summary>GC pause time, bytes allocated, gen-0 collections, lock contentions and CPU time, from the process's start.</summary>
    public readonly record struct Totals(double PauseMs, double AllocatedBytes, double Gen0, double LockContentions, double CpuSeconds)
    {
        public static Totals operator -(Totals later, Totals earlier) => new(later.PauseMs - earlier.PauseMs,
            later.AllocatedBytes - earlier.AllocatedBytes, later.Gen0 - earlier.Gen0, later.LockContentions - earlier.LockContentions,
            later.CpuSeconds - earlier.CpuSeconds);
    }

    // utime and stime, the 14th and 15th fields of /proc/PID/stat (counted after the command name, which may hold spaces).
    double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>
    /// Has the process collect its garbage (a full, blocking collection), as dotnet-gcdump does: a session that asks
    /// for the runtime's GCHeapCollect keyword makes it collect. What is left is what the process holds.
    /// </summary>
    public async Task CollectGarbageAsync()
    {
        const long gcHeapCollect = 0x800000;
        using var collect = new DiagnosticsClient(processId).StartEventPipeSession(
            [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, gcHeapCollect)], requestRundown: false);
        var draining = collect.EventStream.CopyToAsync(Stream.Null);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await collect.StopAsync(CancellationToken.None);
        await draining;
        // The runtime's counters are sampled once a second: let them see the heap after the collection.
        await Task.Delay(TimeSpan.FromSeconds(2));
    }

    async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            do
            {
                var now = Now();
                lock (readings) readings.Add(now);
            }
            while (await timer.WaitForNextTickAsync(stop.Token));
        }
        catch (OperationCanceledException)
        {
        }
    }

    void ReadCounters()
    {
        using var source = new EventPipeEventSource(session!.EventStream);
        source.Dynamic.All += e =>
        {
            if (e.EventName != "EventCounters" || e.PayloadValue(0) is not IDictionary<string, object> outer
                || outer["Payload"] is not IDictionary<string, object> payload) return;
            if (payload["Name"] is not string name) return;
            if (payload.TryGetValue("Increment", out var increment))
            {
                var value = Convert.ToDouble(increment, CultureInfo.InvariantCulture);
                counters[name] = value;
                sums.AddOrUpdate(name, value, (_, sum) => sum + value);
            }
            else if (payload.TryGetValue("Mean", out var mean))
            {
                counters[name] = Convert.ToDouble(mean, CultureInfo.InvariantCulture);
            }
        };
        source.Process();
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await sampling;
        if (session is not null)
        {
            try
            {
                await session.StopAsync(CancellationToken.None);
            }
            catch (Exception ex) when (ex is ServerNotAvailableException or IOException)
            {
                // The process has ended already; the session ended with it.
            }
            await reading;
            session.Dispose();
        }
        stop.Dispose();
    }
}
