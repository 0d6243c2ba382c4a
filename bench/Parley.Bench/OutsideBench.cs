// Run it from the repository root (needs `node` 18 or later on PATH, nothing from npm):
//
//   dotnet run -c Release --project bench/Parley.Bench -- outside
//
// PARLEY_BENCH_WARMUP_SECONDS (60 by default) sets how long Parley is warmed up before anything is measured.
// PARLEY_BENCH_PARLEY_CPUS keeps Parley to those cores (a taskset list); to give the load its own core, start the
// bench on the other: PARLEY_BENCH_PARLEY_CPUS=0 taskset -c 1 dotnet run -c Release --project bench/Parley.Bench -- outside
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Bench;

/// <summary>
/// The relay and session figures measured from outside: Parley runs as its own process (<c>dotnet Parley.dll</c>,
/// SQLite), and the load comes from bench/outside/load.mjs, a Node client in a process and runtime of its own, so
/// the client shares no JIT, GC or thread pool with what it measures. The test upstream stays in this process.
/// Each Parley figure is paired with the same Node client's figure straight to the upstream in the same run, and
/// with the in-process .NET generator's figures against the same Parley process.
/// </summary>
public static class OutsideBench
{
    static readonly ScriptedReply StreamedReply =
        ScriptedReply.Text([.. Enumerable.Range(0, 32).Select(i => $"w{i} ")]) with { TokenDelay = TimeSpan.FromMilliseconds(20), Usage = (12, 32) };

    static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static async Task<object> RunAsync()
    {
        await using var upstream = await TestUpstream.StartAsync(recordRequests: false);
        var folder = Directory.CreateTempSubdirectory("parley-outside-");
        try
        {
            await using var parley = await ParleyProcess.StartAsync(folder.FullName, Load.ParleyEnvironment(),
                cpus: Environment.GetEnvironmentVariable("PARLEY_BENCH_PARLEY_CPUS"));
            return await MeasureAsync(parley, upstream);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    static async Task<object> MeasureAsync(ParleyProcess parley, TestUpstream upstream)
    {
        using var admin = Load.Client(parley.BaseAddress, TestParley.AdminKey);
        var gateway = await CreateAsync(admin, "api/v1/ai-gateways", new { name = "bench", parameters = new { baseAddress = upstream.BaseAddress, modelName = "gpt-4o-mini" } });
        var client = await CreateAsync(admin, "api/v1/web-chat-client", new { name = "bench", aiGatewayId = gateway });
        async Task<List<string>> SessionsAsync(int count)
        {
            var keys = new List<string>(count);
            for (var i = 0; i < count; i++)
            {
                using var response = await admin.PostAsJsonAsync($"api/v1/web-chat-client/{client}/sessions", new { });
                response.EnsureSuccessStatusCode();
                keys.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetProperty("accessKey").GetString()!);
            }
            return keys;
        }

        string Completion(bool stream) => $$"""{"model":"{{gateway}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Say hello"}]}""";
        var upstreamUrl = upstream.BaseAddress.TrimEnd('/') + "/chat/completions";
        var message = """{"content":"Say hello"}""";
        var relay = new NodeJob { Url = new Uri(parley.BaseAddress, "v1/chat/completions").ToString(), Headers = new() { ["authorization"] = $"Bearer {TestParley.AdminKey}" } };
        var direct = new NodeJob { Url = upstreamUrl };
        NodeJob Session(List<string> keys) => new() { Url = parley.BaseAddress.ToString(), Paths = [.. keys.Select(k => $"/api/v1/chat/{k}/messages")], Body = message };
        using var dotnetDirect = Load.Client(new Uri(upstream.BaseAddress.TrimEnd('/') + "/"));
        using var dotnetRelay = Load.Client(parley.BaseAddress, TestParley.AdminKey);
        using var dotnetAnonymous = Load.Client(parley.BaseAddress);

        // Warm-up: .NET's tiered JIT keeps rewriting Parley's hot code for a minute or so of traffic. Parley is in
        // another process, so its compiled-method count is out of reach; the rounds run for a fixed time instead.
        var warmupKeys = await SessionsAsync(200);
        var streamedWarmup = StreamedReply with { Tokens = [.. Enumerable.Range(0, 64).Select(i => $"w{i} ")] };
        var warmupSeconds = int.TryParse(Environment.GetEnvironmentVariable("PARLEY_BENCH_WARMUP_SECONDS"), out var s) ? s : 60;
        var clock = Stopwatch.StartNew();
        var rounds = 0;
        while (clock.Elapsed.TotalSeconds < warmupSeconds)
        {
            rounds++;
            upstream.DefaultReply = null;
            foreach (var stream in new[] { false, true })
            {
                await NodeAsync(relay with { Body = Completion(stream), Concurrency = 16, Requests = 2000 });
                await NodeAsync(direct with { Body = Completion(stream), Concurrency = 16, Requests = 2000 });
                await Load.RunAsync(16, 1000, (_, ct) => Load.PostAsync(dotnetRelay, "v1/chat/completions", Completion(stream), ct));
            }
            await NodeAsync(Session(warmupKeys) with { Concurrency = 16, Requests = 1000 });
            await Load.RunAsync(16, 500, (i, ct) => Load.PostAsync(dotnetAnonymous, $"api/v1/chat/{warmupKeys[i % warmupKeys.Count]}/messages", message, ct));
            upstream.DefaultReply = streamedWarmup;
            await NodeAsync(Session(warmupKeys) with { Concurrency = 100, Ramp = 1000, Seconds = 2 });
        }
        upstream.DefaultReply = null;
        var warmedUp = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  (warmed up: {rounds} rounds, {warmedUp:0} s)");
        // What Parley's process spends with no requests (timers, and the JIT if it has not settled), a floor under
        // the CPU figures below.
        using var server = Process.GetProcessById(parley.Id);
        var idleBefore = server.TotalProcessorTime;
        await Task.Delay(TimeSpan.FromSeconds(3));
        server.Refresh();
        var idleCpu = (server.TotalProcessorTime - idleBefore).TotalMilliseconds / 3;

        var nodeVersion = (await RunAsync("node", ["--version"], null)).Trim();
        Console.WriteLine($"Measured from outside: Parley as its own process (SQLite), load from Node {nodeVersion} in another; added = Parley minus direct");
        Console.WriteLine($"  {"row",-36} {"conc",4} {"direct p50",10} {"parley p50",10} {"added p50",9} {"direct p99",10} {"parley p99",10} {"added p99",9} {"parley rps",10} {"err",4} | {".NET added p50",14} {".NET rps",8}");
        var rows = new List<object>();
        var cpuLines = new List<string>();
        var runs = new (string Name, int Concurrency, int Requests, bool Stream, bool Sessions, ScriptedReply? Reply)[]
        {
            ("relay, non-streamed, total time", 1, 2000, false, false, null),
            ("relay, non-streamed, total time", 64, 20000, false, false, null),
            ("relay, streamed, first token", 1, 2000, true, false, null),
            ("relay, streamed, first token", 64, 10000, true, false, null),
            ("session, 1 at a time, instant reply", 1, 500, true, true, null),
            ("session, 64 streams, 32 tokens at 50/s", 64, 1280, true, true, StreamedReply),
        };
        foreach (var (name, concurrency, requests, stream, sessions, reply) in runs)
        {
            upstream.DefaultReply = reply;
            // Streams start spread over one reply's length, as conversations do; only requests after that are measured.
            var ramp = reply is null ? 0 : (int)(reply.TokenDelay * reply.Tokens.Count).TotalMilliseconds;
            NodeJob Shaped(NodeJob job) => job with { Concurrency = concurrency, Requests = requests, Ramp = ramp, WarmupRequests = sessions ? null : 500 };
            // A session answers one message at a time and conversations are short: about ten messages a session.
            var poolSize = Math.Max(concurrency, requests / 10);
            var straightJob = direct with { Body = sessions ? Load.StreamedCompletion("Say hello") : Completion(stream) };
            var throughJob = sessions ? Session(await SessionsAsync(poolSize)) : relay with { Body = Completion(stream) };

            var (straight, upstreamCpu, _) = await MeasuredNodeAsync(parley, Shaped(straightJob));
            var (through, _, parleyCpu) = await MeasuredNodeAsync(parley, Shaped(throughJob));
            var d = stream ? straight.FirstByte! : straight.Total;
            var p = stream ? through.FirstByte! : through.Total;

            // The same row from the in-process .NET generator, against the same Parley process.
            var idle = new System.Collections.Concurrent.ConcurrentQueue<string>(sessions ? await SessionsAsync(poolSize) : []);
            var stagger = TimeSpan.FromMilliseconds(ramp);
            var (dotnetStraight, _) = await Load.RunAsync(concurrency, requests, (_, ct) => sessions
                ? Load.PostAsync(dotnetDirect, "chat/completions", Load.StreamedCompletion("Say hello"), ct)
                : Load.PostAsync(dotnetDirect, "chat/completions", Completion(stream), ct), stagger);
            var (dotnetThrough, dotnetSeconds) = await Load.RunAsync(concurrency, requests, (_, ct) => sessions
                ? Load.SendInIdleSessionAsync(dotnetAnonymous, idle, "Say hello", ct)
                : Load.PostAsync(dotnetRelay, "v1/chat/completions", Completion(stream), ct), stagger);
            var metric = stream ? (Func<List<Sample>, (double P50, double P99)>)Load.FirstByte : Load.Total;
            var dotnetAdded = metric(dotnetThrough).P50 - metric(dotnetStraight).P50;
            var dotnetRps = dotnetThrough.Count / dotnetSeconds;
            var errors = through.Errors + straight.Errors;

            Console.WriteLine($"  {name,-36} {concurrency,4} {d.P50,8:0.000}ms {p.P50,8:0.000}ms {p.P50 - d.P50,7:0.000}ms {d.P99,8:0.000}ms {p.P99,8:0.000}ms {p.P99 - d.P99,7:0.000}ms {through.RequestsPerSecond,10:0} {errors,4} | {dotnetAdded,12:0.000}ms {dotnetRps,8:0}"
                + ((through.FirstError ?? straight.FirstError) is { } error ? $"  first error: {error}" : ""));
            cpuLines.Add($"  {name,-36} {concurrency,4} {straight.ClientCpuMicrosecondsPerRequest,12:0} {through.ClientCpuMicrosecondsPerRequest,12:0} {upstreamCpu,12:0} {parleyCpu,12:0}");
            rows.Add(new
            {
                row = name, concurrency, requests = through.Requests,
                directP50 = d.P50, parleyP50 = p.P50, addedP50 = p.P50 - d.P50, directP99 = d.P99, parleyP99 = p.P99, addedP99 = p.P99 - d.P99,
                directRps = straight.RequestsPerSecond, parleyRps = through.RequestsPerSecond, errors,
                nodeCpuMicrosecondsPerRequest = new { direct = straight.ClientCpuMicrosecondsPerRequest, parley = through.ClientCpuMicrosecondsPerRequest },
                upstreamCpuMicrosecondsPerRequest = upstreamCpu, parleyCpuMicrosecondsPerRequest = parleyCpu,
                dotnet = new { directP50 = metric(dotnetStraight).P50, parleyP50 = metric(dotnetThrough).P50, addedP50 = dotnetAdded, parleyRps = dotnetRps,
                    errors = dotnetThrough.Count(x => !x.Ok) + dotnetStraight.Count(x => !x.Ok) },
            });
        }
        upstream.DefaultReply = null;

        Console.WriteLine($"  CPU per request (µs): the Node client's (direct, through Parley), the test upstream's (this process, direct run) and Parley's process (idle: {idleCpu:0} ms a second)");
        Console.WriteLine($"  {"row",-36} {"conc",4} {"node direct",12} {"node parley",12} {"upstream",12} {"parley",12}");
        cpuLines.ForEach(Console.WriteLine);
        return new { node = nodeVersion, warmupSeconds = warmedUp, parleyIdleCpuMillisecondsPerSecond = idleCpu, rows };
    }

    /// <summary>
    /// Runs a Node job and notes the CPU time per measured request of this process (the test upstream; nothing else
    /// runs here meanwhile) and of Parley's. Both include the job's unmeasured warm-up requests, a small share.
    /// </summary>
    static async Task<(NodeResult Result, double UpstreamCpu, double ParleyCpu)> MeasuredNodeAsync(ParleyProcess parley, NodeJob job)
    {
        using var self = Process.GetCurrentProcess();
        using var server = Process.GetProcessById(parley.Id);
        var selfBefore = self.TotalProcessorTime;
        var serverBefore = server.TotalProcessorTime;
        var result = await NodeAsync(job);
        self.Refresh();
        server.Refresh();
        var sent = result.Requests + (job.WarmupRequests ?? 0);
        return (result, (self.TotalProcessorTime - selfBefore).TotalMicroseconds / sent, (server.TotalProcessorTime - serverBefore).TotalMicroseconds / sent);
    }

    static async Task<NodeResult> NodeAsync(NodeJob job)
    {
        var script = Path.Combine(Machine.RepositoryRoot(), "bench", "outside", "load.mjs");
        return JsonSerializer.Deserialize<NodeResult>(await RunAsync("node", [script], JsonSerializer.Serialize(job, Json)), Json)!;
    }

    static async Task<string> RunAsync(string command, string[] arguments, string? input)
    {
        var start = new ProcessStartInfo(command, arguments) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        if (input is not null) await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{command} failed ({process.ExitCode}): {await error}");
        return await output;
    }

    static async Task<Guid> CreateAsync(HttpClient admin, string path, object body)
    {
        using var response = await admin.PostAsJsonAsync(path, body);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetProperty("id").GetGuid();
    }

    /// <summary>A job for bench/outside/load.mjs; see the top of that file.</summary>
    sealed record NodeJob
    {
        public string Url { get; init; } = "";
        public string[]? Paths { get; init; }
        public Dictionary<string, string>? Headers { get; init; }
        public string? Body { get; init; }
        public int Concurrency { get; init; } = 1;
        public int? Requests { get; init; }
        public double? Seconds { get; init; }
        public int Ramp { get; init; }
        public int? WarmupRequests { get; init; }
    }

    sealed record Percentiles(double P50, double P99);

    sealed record NodeResult(int Requests, int Errors, string? FirstError, double Seconds, double RequestsPerSecond,
        Percentiles? FirstByte, Percentiles Total, double ClientCpuMicrosecondsPerRequest);
}
