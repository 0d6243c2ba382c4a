using Parley.Testing;

namespace Parley.Bench;

/// <summary>
/// What Parley adds on top of the provider: the same request sent straight to the test upstream and through
/// Parley, in the same run, on the same machine (load generator included).
/// </summary>
public static class RelayBench
{
    static readonly bool[] StreamedOrNot = [false, true];

    public static async Task<object> RunAsync()
    {
        await using var parley = await TestParley.StartForBenchmarkAsync(DatabaseKind.Sqlite, "--Logging:LogLevel:Default=Error");
        var gateway = await parley.CreateGatewayAsync(new { baseAddress = parley.Upstream.BaseAddress, modelName = "gpt-4o-mini" });
        using var direct = Load.Upstream(parley);
        using var relay = Load.Client(parley.BaseAddress, TestParley.AdminKey);
        string Body(bool stream) => $$"""{"model":"{{gateway}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Say hello"}]}""";

        await Warmup.UntilSettledAsync(async () =>
        {
            foreach (var stream in StreamedOrNot)
            {
                await Load.RunAsync(16, 2000, (_, ct) => Load.PostAsync(relay, "v1/chat/completions", Body(stream), ct));
                await Load.RunAsync(16, 2000, (_, ct) => Load.PostAsync(direct, "chat/completions", Body(stream), ct));
            }
        });

        var rows = new List<object>();
        Console.WriteLine("Relay: POST /v1/chat/completions through Parley vs straight to the upstream");
        Console.WriteLine($"  {"mode",-10} {"conc",5} {"direct p50",11} {"parley p50",11} {"added p50",10} {"direct p99",11} {"parley p99",11} {"added p99",10} {"parley rps",11} {"errors",7}");
        foreach (var (stream, concurrency, total) in new[] { (false, 1, 2000), (false, 64, 20000), (true, 1, 2000), (true, 64, 10000), (true, 512, 10000) })
        {
            var body = Body(stream);
            await Load.RunAsync(Math.Min(concurrency, 16), 500, (_, ct) => Load.PostAsync(relay, "v1/chat/completions", body, ct));
            await Load.RunAsync(Math.Min(concurrency, 16), 500, (_, ct) => Load.PostAsync(direct, "chat/completions", body, ct));
            var (straight, _) = await Load.RunAsync(concurrency, total, (_, ct) => Load.PostAsync(direct, "chat/completions", body, ct));
            var (through, seconds) = await Load.RunAsync(concurrency, total, (_, ct) => Load.PostAsync(relay, "v1/chat/completions", body, ct));
            var metric = stream ? (Func<List<Sample>, (double P50, double P99)>)Load.FirstByte : Load.Total;
            var d = metric(straight);
            var p = metric(through);
            var errors = through.Count(s => !s.Ok);
            var rps = through.Count / seconds;
            Console.WriteLine($"  {(stream ? "stream" : "complete"),-10} {concurrency,5} {d.P50,9:0.000}ms {p.P50,9:0.000}ms {p.P50 - d.P50,8:0.000}ms {d.P99,9:0.000}ms {p.P99,9:0.000}ms {p.P99 - d.P99,8:0.000}ms {rps,11:0} {errors,7}");
            rows.Add(new { mode = stream ? "stream (time to first token)" : "complete (total time)", concurrency, requests = total,
                directP50 = d.P50, parleyP50 = p.P50, addedP50 = p.P50 - d.P50, directP99 = d.P99, parleyP99 = p.P99, addedP99 = p.P99 - d.P99, parleyRps = rps, errors });
        }

        // At a fixed rate, as the published figures of other gateways are: Bifrost's added latency at 5,000 req/s,
        // TensorZero's p99 at 10,000 req/s.
        foreach (var rate in new[] { 5000, 10000 })
        {
            var body = Body(stream: false);
            var (straight, _) = await Load.RateAsync(rate, TimeSpan.FromSeconds(5), (_, ct) => Load.PostAsync(direct, "chat/completions", body, ct));
            var (through, seconds) = await Load.RateAsync(rate, TimeSpan.FromSeconds(5), (_, ct) => Load.PostAsync(relay, "v1/chat/completions", body, ct));
            var d = Load.Total(straight);
            var p = Load.Total(through);
            var errors = through.Count(s => !s.Ok);
            Console.WriteLine($"  {$"{rate}/s",-10} {"open",5} {d.P50,9:0.000}ms {p.P50,9:0.000}ms {p.P50 - d.P50,8:0.000}ms {d.P99,9:0.000}ms {p.P99,9:0.000}ms {p.P99 - d.P99,8:0.000}ms {through.Count / seconds,11:0} {errors,7}");
            rows.Add(new { mode = $"complete (total time) at {rate} requests/s", concurrency = 0, requests = through.Count,
                directP50 = d.P50, parleyP50 = p.P50, addedP50 = p.P50 - d.P50, directP99 = d.P99, parleyP99 = p.P99, addedP99 = p.P99 - d.P99,
                parleyRps = through.Count / seconds, errors });
        }
        return rows;
    }
}
