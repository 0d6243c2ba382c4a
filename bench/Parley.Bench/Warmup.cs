using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Bench;

/// <summary>
/// Runs the measured paths until the JIT has settled, so the figures are a running server's. Tiered compilation
/// keeps rewriting hot methods for a while after start (a server that has been up for minutes runs the final
/// code); warm-up rounds repeat until a round compiles almost nothing new.
/// </summary>
public static class Warmup
{
    const int MaxRounds = 10;
    const long SettledBelow = 25;

    /// <summary>Warms up the session path: instant and streamed messages, and the same requests sent straight.</summary>
    public static async Task RunAsync(TestParley parley, Guid client, HttpClient direct, HttpClient anonymous)
    {
        var upstreamBody = Load.StreamedCompletion("Warm up");
        // Long enough to be saved while it grows (every second), short enough to keep the rounds quick.
        var streamed = ScriptedReply.Text([.. Enumerable.Range(0, 64).Select(i => $"w{i} ")]) with { TokenDelay = TimeSpan.FromMilliseconds(20) };
        var keys = new List<string>();
        for (var i = 0; i < 200; i++) keys.Add((await parley.CreateSessionAsync(client)).AccessKey);
        var idle = new ConcurrentQueue<string>(keys);
        var defaultReply = parley.Upstream.DefaultReply;
        await UntilSettledAsync(async () =>
        {
            parley.Upstream.DefaultReply = null;
            await Load.RunAsync(16, 2000, (_, ct) => Load.PostAsync(direct, "chat/completions", upstreamBody, ct));
            await Load.RunAsync(16, 2000, (_, ct) => Load.SendInIdleSessionAsync(anonymous, idle, "Warm up", ct));
            parley.Upstream.DefaultReply = streamed;
            await Load.SteadyAsync(keys.Count, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), (worker, ct) =>
                Load.PostAsync(anonymous, $"api/v1/chat/{keys[worker]}/messages", """{"content":"Warm up"}""", ct));
        });
        parley.Upstream.DefaultReply = defaultReply;
    }

    /// <summary>
    /// Repeats <paramref name="round"/> until one compiles almost no new methods: in this process, or in the one whose
    /// count of compiled methods <paramref name="compiledMethods"/> reads.
    /// </summary>
    public static async Task UntilSettledAsync(Func<Task> round, Func<long>? compiledMethods = null)
    {
        compiledMethods ??= () => JitInfo.GetCompiledMethodCount();
        var clock = Stopwatch.StartNew();
        var compiled = compiledMethods();
        for (var rounds = 1; rounds <= MaxRounds; rounds++)
        {
            await round();
            // Give the background compiler the time it waits before promoting what the round made hot.
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = compiledMethods();
            var fresh = now - compiled;
            compiled = now;
            if (fresh < SettledBelow)
            {
                Console.WriteLine($"  (warmed up: {rounds} rounds, {clock.Elapsed.TotalSeconds:0} s, {now:N0} methods compiled)");
                return;
            }
        }
    }
}
