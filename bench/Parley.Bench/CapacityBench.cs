using System.Diagnostics;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Bench;

/// <summary>
/// How many conversations can stream at once, each a 256-token reply at 50 tokens/s, before Parley adds more than
/// 10 ms at p99 to the time to first token or fails one; and the memory it takes on the way. The streams are
/// steady traffic: each conversation sends its next message when its reply ends, and the conversations start
/// spread over one reply's length, as users do (a burst of thousands in the same millisecond measures queueing,
/// not capacity).
/// </summary>
public static class CapacityBench
{
    const int ReplyTokens = 256;
    static readonly TimeSpan TokenDelay = TimeSpan.FromMilliseconds(20);
    static readonly TimeSpan Ramp = TokenDelay * ReplyTokens;
    static readonly TimeSpan Measure = TimeSpan.FromSeconds(10);

    public static async Task<object> RunAsync()
    {
        await using var parley = await TestParley.StartForBenchmarkAsync(DatabaseKind.Sqlite, "--Logging:LogLevel:Default=Error");
        using var process = Process.GetCurrentProcess();
        long WorkingSetMb() { process.Refresh(); return process.WorkingSet64 / 1024 / 1024; }
        var idle = WorkingSetMb();

        var client = await parley.CreateChatClientAsync();
        using var admin = Load.Client(parley.BaseAddress, TestParley.AdminKey);
        await Load.RunAsync(16, 10_000, (i, ct) => Load.PostAsync(admin, $"api/v1/web-chat-client/{client}/sessions", $$"""{"tag":"stored-{{i}}"}""", ct));
        GC.Collect();
        var withSessions = WorkingSetMb();

        using var direct = Load.Upstream(parley);
        using var anonymous = Load.Client(parley.BaseAddress);
        var upstreamBody = Load.StreamedCompletion("Talk");
        await Warmup.RunAsync(parley, client, direct, anonymous);

        var tokens = Enumerable.Range(0, ReplyTokens).Select(i => $"t{i} ").ToArray();
        parley.Upstream.DefaultReply = ScriptedReply.Text(tokens) with { TokenDelay = TokenDelay, Usage = (12, ReplyTokens) };

        var peak = 0L;
        var rows = new List<object>();
        var best = 0;
        Console.WriteLine($"Capacity: concurrent streaming conversations, {ReplyTokens}-token replies at {1000 / TokenDelay.TotalMilliseconds:0} tokens/s, steady for {Measure.TotalSeconds:0} s");
        Console.WriteLine($"  {"streams",8} {"direct p99",11} {"parley p99",11} {"added p99",10} {"added p50",10} {"replies",8} {"errors",7} {"peak MB",8} {"CPU/token",10} {"harness",9} {"GC pause",10}");
        foreach (var streams in Levels())
        {
            var keys = new List<string>();
            await Load.RunAsync(16, streams, async (_, ct) =>
            {
                var key = (await parley.CreateSessionAsync(client)).AccessKey;
                lock (keys) keys.Add(key);
                return default;
            });

            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, WorkingSetMb());
                    await Task.Delay(200);
                }
            });
            // CPU per streamed token, direct and through Parley: the difference is what Parley spends on a token
            // (the load generator and the upstream do the same work in both runs).
            var cpu = process.TotalProcessorTime;
            var (straight, directReplies) = await Load.SteadyAsync(streams, Ramp, Measure, (_, ct) => Load.PostAsync(direct, "chat/completions", upstreamBody, ct));
            process.Refresh();
            var directCpuPerToken = (process.TotalProcessorTime - cpu).TotalMicroseconds / (directReplies * ReplyTokens);
            cpu = process.TotalProcessorTime;
            // Garbage-collection pauses stop every thread at once: they are much of what the p99 catches.
            var paused = GC.GetTotalPauseDuration();
            var (through, parleyReplies) = await Load.SteadyAsync(streams, Ramp, Measure, (worker, ct) =>
                Load.PostAsync(anonymous, $"api/v1/chat/{keys[worker]}/messages", """{"content":"Talk"}""", ct));
            var gcPause = (GC.GetTotalPauseDuration() - paused).TotalMilliseconds / (Ramp + Measure).TotalSeconds;
            process.Refresh();
            var parleyCpuPerToken = (process.TotalProcessorTime - cpu).TotalMicroseconds / (parleyReplies * ReplyTokens) - directCpuPerToken;
            await sampling.CancelAsync();
            await sampler;

            var d = Load.FirstByte(straight);
            var p = Load.FirstByte(through);
            var errors = through.Count(s => !s.Ok) + straight.Count(s => !s.Ok);
            Console.WriteLine($"  {streams,8} {d.P99,9:0.0}ms {p.P99,9:0.0}ms {p.P99 - d.P99,8:0.0}ms {p.P50 - d.P50,8:0.0}ms {through.Count,8} {errors,7} {peak,8} {parleyCpuPerToken,8:0.0}µs {directCpuPerToken,7:0.0}µs {gcPause,6:0.0}ms/s");
            rows.Add(new { streams, replies = through.Count, directP50 = d.P50, parleyP50 = p.P50, directP99 = d.P99, parleyP99 = p.P99,
                addedP50 = p.P50 - d.P50, addedP99 = p.P99 - d.P99, errors, peakWorkingSetMb = peak, parleyCpuMicrosecondsPerToken = parleyCpuPerToken,
                harnessCpuMicrosecondsPerToken = directCpuPerToken, gcPauseMillisecondsPerSecond = gcPause });
            if (errors > 0 || p.P99 - d.P99 > 10) break;
            best = streams;
        }

        Console.WriteLine($"  most streams with p99 added < 10 ms and no errors: {best}");
        Console.WriteLine($"  working set: idle {idle} MB, with 10,000 stored sessions {withSessions} MB, peak under load {peak} MB");
        return new { levels = rows, capacity = best, workingSetIdleMb = idle, workingSetWith10kSessionsMb = withSessions, workingSetPeakMb = peak };
    }

    // PARLEY_BENCH_STREAMS=500,1000 measures only those levels (for profiling one of them).
    static int[] Levels() => Environment.GetEnvironmentVariable("PARLEY_BENCH_STREAMS") is { Length: > 0 } chosen
        ? [.. chosen.Split(',').Select(int.Parse)]
        : [250, 375, 500, 750, 1000, 1500, 2000];
}
