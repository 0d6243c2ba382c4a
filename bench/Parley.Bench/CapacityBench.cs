using System.Diagnostics;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Bench;

/// <summary>
/// How many streaming conversations at once, each a 256-token reply at 50 tokens/s, before Parley adds more than
/// 10 ms at p99 to the time to first token or fails one; and the memory it takes on the way.
/// </summary>
public static class CapacityBench
{
    const int ReplyTokens = 256;
    static readonly TimeSpan TokenDelay = TimeSpan.FromMilliseconds(20);

    public static async Task<object> RunAsync()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite, "--Logging:LogLevel:Default=Error");
        using var process = Process.GetCurrentProcess();
        long WorkingSetMb() { process.Refresh(); return process.WorkingSet64 / 1024 / 1024; }
        var idle = WorkingSetMb();

        var client = await parley.CreateChatClientAsync();
        using var admin = Load.Client(parley.BaseAddress, TestParley.AdminKey);
        await Load.RunAsync(16, 10_000, (i, ct) => Load.PostAsync(admin, $"api/v1/web-chat-client/{client}/sessions", $$"""{"tag":"stored-{{i}}"}""", ct));
        GC.Collect();
        var withSessions = WorkingSetMb();

        using var direct = Load.Client(new Uri(parley.Upstream.BaseAddress.TrimEnd('/') + "/"));
        using var anonymous = Load.Client(parley.BaseAddress);
        var tokens = Enumerable.Range(0, ReplyTokens).Select(i => $"t{i} ").ToArray();
        const string upstreamBody = """{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Talk"}]}""";
        // Warm-up, so the first measured burst does not pay for the JIT.
        var warmKeys = new List<string>();
        for (var i = 0; i < 200; i++) warmKeys.Add((await parley.CreateSessionAsync(client)).AccessKey);
        await Load.RunAsync(16, 200, (i, ct) => Load.PostAsync(anonymous, $"api/v1/chat/{warmKeys[i]}/messages", """{"content":"Warm up"}""", ct));
        await Load.RunAsync(16, 200, (_, ct) => Load.PostAsync(direct, "chat/completions", upstreamBody, ct));

        var peak = 0L;
        var rows = new List<object>();
        var best = 0;

        Console.WriteLine($"Capacity: concurrent streaming sessions, {ReplyTokens}-token replies at {1000 / TokenDelay.TotalMilliseconds:0} tokens/s");
        Console.WriteLine($"  {"streams",8} {"direct p99",11} {"parley p99",11} {"added p99",10} {"errors",7} {"peak MB",8}");
        foreach (var streams in new[] { 64, 128, 256, 512, 1024, 2048 })
        {
            for (var i = 0; i < streams * 2; i++) parley.Upstream.Enqueue(ScriptedReply.Text(tokens) with { TokenDelay = TokenDelay });
            var keys = new List<string>();
            for (var i = 0; i < streams; i++) keys.Add((await parley.CreateSessionAsync(client)).AccessKey);

            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, WorkingSetMb());
                    await Task.Delay(200);
                }
            });
            var (straight, _) = await Load.RunAsync(streams, streams, (_, ct) => Load.PostAsync(direct, "chat/completions", upstreamBody, ct));
            var (through, _) = await Load.RunAsync(streams, streams, (i, ct) =>
                Load.PostAsync(anonymous, $"api/v1/chat/{keys[i]}/messages", """{"content":"Talk"}""", ct));
            await sampling.CancelAsync();
            await sampler;

            var d = Load.FirstByte(straight).P99;
            var p = Load.FirstByte(through).P99;
            var errors = through.Count(s => !s.Ok);
            Console.WriteLine($"  {streams,8} {d,9:0.0}ms {p,9:0.0}ms {p - d,8:0.0}ms {errors,7} {peak,8}");
            rows.Add(new { streams, directP99 = d, parleyP99 = p, addedP99 = p - d, errors, peakWorkingSetMb = peak });
            if (errors > 0 || p - d > 10) break;
            best = streams;
        }

        Console.WriteLine($"  most streams with p99 added < 10 ms and no errors: {best}");
        Console.WriteLine($"  working set: idle {idle} MB, with 10,000 stored sessions {withSessions} MB, peak under load {peak} MB");
        return new { levels = rows, capacity = best, workingSetIdleMb = idle, workingSetWith10kSessionsMb = withSessions, workingSetPeakMb = peak };
    }
}
