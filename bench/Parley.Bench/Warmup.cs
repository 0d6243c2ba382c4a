using Parley.Testing;

namespace Parley.Bench;

/// <summary>
/// Runs the measured paths until the JIT has settled (tiered compilation rewrites hot methods for a while after
/// start; a server that has been up for minutes runs the final code), so the figures are a running server's.
/// </summary>
public static class Warmup
{
    public static async Task RunAsync(TestParley parley, Guid client, HttpClient direct, HttpClient anonymous)
    {
        const string upstreamBody = """{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Warm up"}]}""";
        var keys = new System.Collections.Concurrent.ConcurrentQueue<string>();
        for (var i = 0; i < 200; i++) keys.Enqueue((await parley.CreateSessionAsync(client)).AccessKey);
        for (var round = 0; round < 3; round++)
        {
            await Load.RunAsync(16, 2000, (_, ct) => Load.PostAsync(direct, "chat/completions", upstreamBody, ct));
            await Load.RunAsync(16, 2000, async (_, ct) =>
            {
                keys.TryDequeue(out var key);
                try
                {
                    return await Load.PostAsync(anonymous, $"api/v1/chat/{key}/messages", """{"content":"Warm up"}""", ct);
                }
                finally
                {
                    keys.Enqueue(key!);
                }
            });
        }
        // Give the background compiler time to finish what the warm-up queued.
        await Task.Delay(TimeSpan.FromSeconds(2));
    }
}
