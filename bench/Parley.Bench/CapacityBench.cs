using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Bench;

/// <summary>
/// How many conversations one core of Parley streams at once, each a 256-token reply at 50 tokens/s, before it adds
/// more than 10 ms at p99 to the time to first token or fails one; what it spends per token; and its memory on the
/// way. Parley runs in a process of its own kept to one core (as a 1-vCPU container runs it); the test upstream and the
/// load generator run here, on the other core, so neither takes Parley's CPU. The streams are steady traffic: each
/// conversation sends its next message when its reply ends, and the conversations start spread over one reply's
/// length, as users do (a burst of thousands in the same millisecond measures queueing, not capacity).
/// </summary>
public static class CapacityBench
{
    const int ReplyTokens = 256;
    static readonly TimeSpan TokenDelay = TimeSpan.FromMilliseconds(20);
    static readonly TimeSpan Ramp = TokenDelay * ReplyTokens;
    static readonly TimeSpan Measure = TimeSpan.FromSeconds(10);

    public static async Task<object> RunAsync()
    {
        // Core 0 for Parley, core 1 for everything else; on a single-core machine they share it and the figures say so.
        var pinned = OperatingSystem.IsLinux() && Environment.ProcessorCount >= 2;
        if (OperatingSystem.IsLinux() && pinned) Process.GetCurrentProcess().ProcessorAffinity = 2;
        await using var upstream = await TestUpstream.StartAsync(recordRequests: false);
        var folder = Directory.CreateTempSubdirectory("parley-capacity-").FullName;
        await using var parley = await ParleyProcess.StartAsync(folder, Load.ParleyEnvironment(), pinned ? "0" : null,
            Environment.GetEnvironmentVariable("PARLEY_BENCH_PARLEY_DLL"));
        await using var watch = ProcessWatch.Start(parley.Id, Stopwatch.StartNew());
        long WorkingSetMb() => watch.Now().RssKb / 1024;
        var idle = WorkingSetMb();

        var (_, _, client) = await parley.CreateSessionAsync(upstream.BaseAddress);
        using var admin = Load.Client(parley.BaseAddress, TestParley.AdminKey);
        async Task<List<string>> OpenSessionsAsync(int count)
        {
            var keys = new ConcurrentBag<string>();
            await Load.RunAsync(16, count, async (i, ct) =>
            {
                using var response = await admin.PostAsJsonAsync($"api/v1/web-chat-client/{client}/sessions", new { tag = $"stream-{i}" }, ct);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
                keys.Add(body.GetProperty("data").GetProperty("accessKey").GetString()!);
                return default;
            });
            return [.. keys];
        }
        await Load.RunAsync(16, 10_000, (i, ct) => Load.PostAsync(admin, $"api/v1/web-chat-client/{client}/sessions", $$"""{"tag":"stored-{{i}}"}""", ct));
        var withSessions = WorkingSetMb();

        using var direct = Load.Client(new Uri(upstream.BaseAddress.TrimEnd('/') + "/"));
        using var anonymous = Load.Client(parley.BaseAddress);
        var upstreamBody = Load.StreamedCompletion("Talk");
        await WarmUpAsync(upstream, direct, anonymous, await OpenSessionsAsync(200), watch);

        var tokens = Enumerable.Range(0, ReplyTokens).Select(i => $"t{i} ").ToArray();
        upstream.DefaultReply = ScriptedReply.Text(tokens) with { TokenDelay = TokenDelay, Usage = (12, ReplyTokens) };

        var peak = 0L;
        var rows = new List<object>();
        var best = 0;
        var passing = true;
        Console.WriteLine($"Capacity of one Parley core ({(pinned ? "Parley on core 0, upstream and load on core 1" : "one core shared by all")}): " +
            $"concurrent streaming conversations, {ReplyTokens}-token replies at {1000 / TokenDelay.TotalMilliseconds:0} tokens/s, steady for {Measure.TotalSeconds:0} s");
        Console.WriteLine($"  {"streams",8} {"direct p99",11} {"parley p99",11} {"added p99",10} {"added p50",10} {"replies",8} {"errors",7} {"peak MB",8} " +
            $"{"CPU/token",10} {"busy",6} {"alloc/token",12} {"GC pause",10} {"gen0/s",7} {"pool",5} {"lock/s",6}");
        foreach (var streams in Levels())
        {
            var keys = await OpenSessionsAsync(streams);

            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, WorkingSetMb());
                    await Task.Delay(200);
                }
            });
            var (straight, _) = await Load.SteadyAsync(streams, Ramp, Measure, (_, ct) => Load.PostAsync(direct, "chat/completions", upstreamBody, ct));

            var before = watch.RuntimeTotals();
            var clock = Stopwatch.StartNew();
            var (through, parleyReplies) = await Load.SteadyAsync(streams, Ramp, Measure, (worker, ct) =>
                Load.PostAsync(anonymous, $"api/v1/chat/{keys[worker]}/messages", """{"content":"Talk"}""", ct));
            var seconds = clock.Elapsed.TotalSeconds;
            // The counters arrive once a second: wait for the reading that covers the end of the run.
            await Task.Delay(TimeSpan.FromSeconds(1.2));
            var during = watch.RuntimeTotals() - before;
            await sampling.CancelAsync();
            await sampler;

            // Replies cut short by the end of the run still streamed their tokens; counting whole replies only makes the
            // per-token figures an upper bound.
            var streamedTokens = (double)parleyReplies * ReplyTokens;
            var cpuPerToken = during.CpuSeconds * 1e6 / streamedTokens;
            var busy = during.CpuSeconds / seconds;
            var allocPerToken = during.AllocatedBytes / streamedTokens;
            var gcPause = during.PauseMs / seconds;
            var gen0PerSecond = during.Gen0 / seconds;
            var d = Load.FirstByte(straight);
            var p = Load.FirstByte(through);
            var errors = through.Count(s => !s.Ok) + straight.Count(s => !s.Ok);
            Console.WriteLine($"  {streams,8} {d.P99,9:0.0}ms {p.P99,9:0.0}ms {p.P99 - d.P99,8:0.0}ms {p.P50 - d.P50,8:0.0}ms {through.Count,8} {errors,7} {peak,8} " +
                $"{cpuPerToken,8:0.0}µs {busy,5:0%} {allocPerToken,10:0}B {gcPause,6:0.0}ms/s {gen0PerSecond,7:0.0} {watch.Now().PoolThreads,5:0} {during.LockContentions / seconds,6:0}");
            rows.Add(new
            {
                streams, replies = through.Count, directP50 = d.P50, parleyP50 = p.P50, directP99 = d.P99, parleyP99 = p.P99,
                addedP50 = p.P50 - d.P50, addedP99 = p.P99 - d.P99, errors, peakWorkingSetMb = peak, parleyCpuMicrosecondsPerToken = cpuPerToken,
                parleyCoreBusy = busy, allocatedBytesPerToken = allocPerToken, gcPauseMillisecondsPerSecond = gcPause, gen0PerSecond,
                threadPoolThreads = watch.Now().PoolThreads, lockContentionsPerSecond = during.LockContentions / seconds,
            });
            // A level over the line is still shown, so the table tells how far past it latency goes; far past it, stop.
            var passed = errors == 0 && p.P99 - d.P99 <= 10;
            if (passing && passed) best = streams;
            passing &= passed;
            if (errors > 0 || p.P99 - d.P99 > 50) break;
        }

        Console.WriteLine($"  most streams on one Parley core with p99 added < 10 ms and no errors: {best}");
        Console.WriteLine($"  Parley's working set: idle {idle} MB, with 10,000 stored sessions {withSessions} MB, peak under load {peak} MB");
        return new { parleyPinnedToOneCore = pinned, levels = rows, capacity = best, workingSetIdleMb = idle, workingSetWith10kSessionsMb = withSessions, workingSetPeakMb = peak };
    }

    /// <summary>Streams through Parley until its JIT has settled (its own count of compiled methods, read from outside).</summary>
    static async Task WarmUpAsync(TestUpstream upstream, HttpClient direct, HttpClient anonymous, List<string> keys, ProcessWatch watch)
    {
        upstream.DefaultReply = ScriptedReply.Text([.. Enumerable.Range(0, 64).Select(i => $"w{i} ")]) with { TokenDelay = TimeSpan.FromMilliseconds(20) };
        var upstreamBody = Load.StreamedCompletion("Warm up");
        await Warmup.UntilSettledAsync(async () =>
        {
            await Load.SteadyAsync(keys.Count, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), (_, ct) => Load.PostAsync(direct, "chat/completions", upstreamBody, ct));
            await Load.SteadyAsync(keys.Count, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), (worker, ct) =>
                Load.PostAsync(anonymous, $"api/v1/chat/{keys[worker]}/messages", """{"content":"Warm up"}""", ct));
        }, watch.CompiledMethods);
    }

    // PARLEY_BENCH_STREAMS=500,1000 measures only those levels (for profiling one of them).
    static int[] Levels() => Environment.GetEnvironmentVariable("PARLEY_BENCH_STREAMS") is { Length: > 0 } chosen
        ? [.. chosen.Split(',').Select(int.Parse)]
        : [100, 250, 375, 500, 750, 1000, 1500, 2000];
}
