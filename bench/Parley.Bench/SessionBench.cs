using System.Collections.Concurrent;
using System.Diagnostics;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Bench;

/// <summary>
/// The session path: access key lookup, limits, storing the user's message and the reply, and streaming — against
/// the same streaming request sent straight to the upstream.
/// </summary>
public static class SessionBench
{
    // Streams that take time, as replies do: 32 tokens at 50 tokens/s.
    static readonly ScriptedReply StreamedReply =
        ScriptedReply.Text([.. Enumerable.Range(0, 32).Select(i => $"w{i} ")]) with { TokenDelay = TimeSpan.FromMilliseconds(20), Usage = (12, 32) };

    public static async Task<object> RunAsync()
    {
        var results = new List<object>();
        foreach (var kind in Databases())
        {
            await using var parley = await TestParley.StartForBenchmarkAsync(kind, "--Logging:LogLevel:Default=Error");
            var client = await parley.CreateChatClientAsync();
            using var direct = Load.Upstream(parley);
            using var anonymous = Load.Client(parley.BaseAddress);
            var upstreamBody = Load.StreamedCompletion("Say hello");
            await Warmup.RunAsync(parley, client, direct, anonymous);

            Console.WriteLine($"Session path on {kind}: POST /api/v1/chat/{{key}}/messages, time to first token");
            Console.WriteLine($"  {"load",-34} {"direct p50",11} {"parley p50",11} {"added p50",10} {"direct p99",11} {"parley p99",11} {"added p99",10} {"msgs/s",8} {"errors",7}");
            var runs = new (string Name, int Concurrency, int PerStream, ScriptedReply? Reply)[]
            {
                ("1 at a time, instant reply", 1, 500, null),
                ("64 streams, 32 tokens at 50/s", 64, 20, StreamedReply),
                ("64 back to back, instant reply", 64, 40, null),
            };
            foreach (var (name, concurrency, perStream, reply) in runs)
            {
                // Streams start spread over one reply's length, as conversations do.
                var stagger = reply is null ? TimeSpan.Zero : reply.TokenDelay * reply.Tokens.Count;
                parley.Upstream.DefaultReply = reply;
                // A session answers one message at a time, and real conversations are short: each session in the
                // pool gets about ten messages, so the prompt does not grow into a 300-turn history.
                var total = concurrency * perStream;
                var keys = new ConcurrentQueue<string>();
                for (var i = 0; i < Math.Max(concurrency, total / 10); i++) keys.Enqueue((await parley.CreateSessionAsync(client)).AccessKey);
                var (straight, _) = await Load.RunAsync(concurrency, total, (_, ct) => Load.PostAsync(direct, "chat/completions", upstreamBody, ct), stagger);
                var (through, seconds) = await Load.RunAsync(concurrency, total, (_, ct) => Load.SendInIdleSessionAsync(anonymous, keys, "Say hello", ct), stagger);
                var d = Load.FirstByte(straight);
                var p = Load.FirstByte(through);
                var errors = through.Count(s => !s.Ok);
                Console.WriteLine($"  {name,-34} {d.P50,9:0.000}ms {p.P50,9:0.000}ms {p.P50 - d.P50,8:0.000}ms {d.P99,9:0.000}ms {p.P99,9:0.000}ms {p.P99 - d.P99,8:0.000}ms {through.Count / seconds,8:0} {errors,7}");
                results.Add(new { database = kind.ToString(), load = name, concurrency, messages = total, directP50 = d.P50, parleyP50 = p.P50,
                    addedP50 = p.P50 - d.P50, directP99 = d.P99, parleyP99 = p.P99, addedP99 = p.P99 - d.P99, messagesPerSecond = through.Count / seconds, errors });
            }
            parley.Upstream.DefaultReply = null;

            // Session creation and renewal by tag.
            using var admin = Load.Client(parley.BaseAddress, TestParley.AdminKey);
            var (created, createSeconds) = await Load.RunAsync(16, 3000, (i, ct) =>
                Load.PostAsync(admin, $"api/v1/web-chat-client/{client}/sessions", $$"""{"tag":"user-{{i}}"}""", ct));
            var (renewed, renewSeconds) = await Load.RunAsync(16, 3000, (i, ct) =>
                Load.PostAsync(admin, $"api/v1/web-chat-client/{client}/sessions", $$"""{"tag":"user-{{i}}"}""", ct));
            Console.WriteLine($"  sessions created by tag {created.Count / createSeconds,8:0}/s, renewed by tag {renewed.Count / renewSeconds,8:0}/s, errors {created.Count(s => !s.Ok) + renewed.Count(s => !s.Ok)}");
            results.Add(new { database = kind.ToString(), sessionsCreatedPerSecond = created.Count / createSeconds, sessionsRenewedPerSecond = renewed.Count / renewSeconds });

            using var process = Process.GetCurrentProcess();
            Console.WriteLine($"  working set of the whole benchmark process after the run: {process.WorkingSet64 / 1024 / 1024} MB");
        }
        return results;
    }

    static IEnumerable<DatabaseKind> Databases() =>
        Environment.GetEnvironmentVariable("PARLEY_BENCH_POSTGRES") == "0" ? [DatabaseKind.Sqlite] : [DatabaseKind.Sqlite, DatabaseKind.Postgres];
}
