using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Bench;

/// <summary>
/// Streams held open while a slow reasoning model thinks: thousands of conversations whose provider sends its first
/// token only after 30 s. Parley must keep each one alive with heartbeats, go on answering other requests in
/// milliseconds (no thread-pool starvation), and hold each waiting stream in little memory. Parley runs as a process
/// of its own, so its memory, threads and open files are its alone; the slow upstream runs in another
/// (<see cref="SlowUpstream"/>), the load generator and an instant upstream for the other requests in this one.
/// </summary>
public static class HeldBench
{
    static readonly TimeSpan FirstTokenDelay = TimeSpan.FromSeconds(30);
    static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(5);
    // Streams open one after another over the ramp (PARLEY_BENCH_HELD_RAMP seconds); all of them wait together from its
    // end until the first token, 30 s after the first opened, so the ramp must stay well under 30 s.
    static readonly TimeSpan Ramp = TimeSpan.FromSeconds(
        Environment.GetEnvironmentVariable("PARLEY_BENCH_HELD_RAMP") is { Length: > 0 } ramp ? double.Parse(ramp, CultureInfo.InvariantCulture) : 20);
    static readonly TimeSpan ProbeEvery = TimeSpan.FromMilliseconds(200);
    // Open files Parley needs besides two sockets per held stream: its own files, the other requests' connections.
    const int Headroom = 200;

    public static async Task<object> RunAsync()
    {
        var asked = Environment.GetEnvironmentVariable("PARLEY_BENCH_HELD") is { Length: > 0 } held ? int.Parse(held, CultureInfo.InvariantCulture) : 10_000;
        var clock = Stopwatch.StartNew();
        await using var slow = await SlowUpstream.StartAsync(FirstTokenDelay);
        await using var fast = await TestUpstream.StartAsync(recordRequests: false);
        var folder = Directory.CreateTempSubdirectory("parley-held-");
        try
        {
            await using var parley = await ParleyProcess.StartAsync(folder.FullName, Load.ParleyEnvironment(
                ("Parley__HeartbeatSeconds", Heartbeat.TotalSeconds.ToString(CultureInfo.InvariantCulture)),
                ("Providers__FirstTokenTimeoutSeconds", "120")), Environment.GetEnvironmentVariable("PARLEY_BENCH_CPUS"));
            await using var watch = ProcessWatch.Start(parley.Id, clock);
            return await MeasureAsync(parley, watch, slow, fast, asked, clock);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    static async Task<object> MeasureAsync(ParleyProcess parley, ProcessWatch watch, SlowUpstream slow, TestUpstream fast, int asked, Stopwatch clock)
    {
        using var admin = Load.Client(parley.BaseAddress, TestParley.AdminKey);
        using var anonymous = Load.Client(parley.BaseAddress);
        var slowClient = await ChatClientAsync(admin, slow.BaseAddress);
        var fastGateway = await DataAsync(admin, "api/v1/ai-gateways", new { name = "instant", parameters = new { baseAddress = fast.BaseAddress, modelName = "gpt-4o-mini" } });
        var fastClient = await DataAsync(admin, "api/v1/web-chat-client", new { name = "instant", aiGatewayId = fastGateway.GetProperty("id").GetGuid() });
        var relayBody = $$"""{"model":"{{fastGateway.GetProperty("id").GetGuid()}}","messages":[{"role":"user","content":"Quick one"}]}""";
        var idle = new ConcurrentQueue<string>();
        for (var i = 0; i < 1000; i++) idle.Enqueue(await AccessKeyAsync(admin, fastClient.GetProperty("id").GetGuid()));

        // Every stream is a socket from the caller and another to the provider: Parley's open-file limit says how many fit.
        var limit = watch.OpenFileLimit();
        var streams = (int)Math.Min(asked, (limit - watch.Now().OpenFiles - Headroom) / 2);
        Console.WriteLine($"Held connections: {streams:N0} streams (asked {asked:N0}; Parley may open {limit:N0} files), first token after {FirstTokenDelay.TotalSeconds:0} s, heartbeat every {Heartbeat.TotalSeconds:0} s");
        var keys = new string[streams];
        await Load.RunAsync(16, streams, async (i, ct) =>
        {
            keys[i] = await AccessKeyAsync(admin, slowClient, ct);
            return default;
        });

        await Warmup.UntilSettledAsync(async () =>
        {
            await Load.RunAsync(16, 1000, (_, ct) => Load.SendInIdleSessionAsync(anonymous, idle, "Warm up", ct));
            await Load.RunAsync(16, 1000, (_, ct) => Load.PostAsync(admin, "v1/chat/completions", relayBody, ct));
            await Load.RunAsync(16, 1000, (_, ct) => GetAsync(anonymous, "healthz", ct));
        });

        using var stopProbes = new CancellationTokenSource();
        var probing = ProbeAsync(clock, [
            ("GET /healthz", ct => GetAsync(anonymous, "healthz", ct)),
            ("relay, instant", ct => Load.PostAsync(admin, "v1/chat/completions", relayBody, ct)),
            ("message, instant", ct => idle.IsEmpty ? Task.FromResult(new Sample(-1, double.NaN, false)) : Load.SendInIdleSessionAsync(anonymous, idle, "Quick one", ct)),
        ], stopProbes.Token);
        await Task.Delay(TimeSpan.FromSeconds(5));
        await watch.CollectGarbageAsync();
        var before = watch.Now();

        using var holder = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue })
        {
            BaseAddress = parley.BaseAddress,
            Timeout = FirstTokenDelay + Ramp + TimeSpan.FromMinutes(2),
        };
        var opened = 0;
        var allOpen = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        var rampStart = clock.Elapsed;
        var holds = new List<Task<HeldReply>>(streams);
        for (var i = 0; i < streams; i++)
        {
            var wait = rampStart + Ramp * ((double)i / streams) - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
            holds.Add(HeldReply.HoldAsync(holder, keys[i], clock, () =>
            {
                if (Interlocked.Increment(ref opened) == streams) allOpen.TrySetResult(clock.Elapsed.TotalSeconds);
            }));
        }
        // Held: every stream open and none answered yet. Memory is read after a full collection, so what it shows is
        // what the waiting streams hold, not the garbage left from opening them (nothing allocates much while they wait,
        // so nothing would collect it).
        // Parley opens them as fast as it can take messages; when that is slower than the ramp, the memory is read
        // 25 s after the first stream (just before the first token), with the streams open then.
        var openAt = await Task.WhenAny(allOpen.Task, Task.Delay(Max(TimeSpan.Zero, rampStart + FirstTokenDelay - TimeSpan.FromSeconds(6) - clock.Elapsed)).ContinueWith(_ => double.NaN, TaskScheduler.Default)).Unwrap();
        var openWhenRead = Volatile.Read(ref opened);
        if (double.IsNaN(openAt)) openAt = rampStart.TotalSeconds + Ramp.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(2));
        var uncollected = watch.Now();
        await watch.CollectGarbageAsync();
        var whileHeld = watch.Now();
        var results = await Task.WhenAll(holds);
        await stopProbes.CancelAsync();
        var probes = await probing;
        await Task.Delay(TimeSpan.FromSeconds(2));
        var after = watch.Now();

        var answeredAt = results.Where(r => r.FirstEventAt > 0).Select(r => r.FirstEventAt).DefaultIfEmpty(double.NaN).Min();
        // Other requests that met the collection this benchmark asked for are not counted.
        var measured = (Probe p) => p.AtSeconds >= openAt && p.AtSeconds < answeredAt && (p.AtSeconds < uncollected.AtSeconds - 1 || p.AtSeconds > whileHeld.AtSeconds);
        var readings = watch.Readings;
        var heldReadings = readings.Where(r => r.AtSeconds >= openAt && r.AtSeconds < answeredAt).ToList();
        if (whileHeld.AtSeconds >= answeredAt) Console.WriteLine("  (the first token came before the held memory was read: it is not of all streams waiting)");
        var errors = results.Count(r => !r.Ok);
        var done = results.Count(r => r.Done);
        var withoutHeartbeat = results.Count(r => r.Heartbeats == 0);
        Console.WriteLine($"  streams open when the held memory was read: {openWhenRead:N0}");
        var perStreamRssKb = (double)(whileHeld.RssKb - before.RssKb) / openWhenRead;
        var perStreamAnonymousKb = (double)(whileHeld.AnonymousKb - before.AnonymousKb) / openWhenRead;
        var perStreamGcKb = (whileHeld.GcHeapMb - before.GcHeapMb) * 1024 / openWhenRead;
        var firstToken = Percentiles(results.Where(r => r.Ok).Select(r => r.FirstEventMs / 1000).ToList());
        var silence = results.Where(r => r.Ok).Select(r => r.LongestSilenceMs / 1000).DefaultIfEmpty(double.NaN).Max();

        Console.WriteLine($"  ramp {Ramp.TotalSeconds:0} s; all open at {openAt - rampStart.TotalSeconds:0.0} s, first token at {answeredAt - rampStart.TotalSeconds:0.0} s after the first stream");
        Console.WriteLine($"  replies {results.Length:N0}, done {done:N0}, errors {errors}, streams without a heartbeat before their first token {withoutHeartbeat}");
        foreach (var failure in results.Where(r => r.Failure is not null).GroupBy(r => r.Failure).OrderByDescending(g => g.Count()).Take(5))
            Console.WriteLine($"    {failure.Count(),6} × {failure.Key}");
        var rampEnd = readings.Where(r => r.AtSeconds >= openAt).DefaultIfEmpty(after).First();
        var cpuPerMessageMs = (rampEnd.CpuSeconds - before.CpuSeconds) * 1000 / streams;
        Console.WriteLine($"  Parley CPU while opening the streams: {cpuPerMessageMs:0.00} ms per message ({rampEnd.CpuSeconds - before.CpuSeconds:0.0} s in {rampEnd.AtSeconds - before.AtSeconds:0.0} s)");
        Console.WriteLine($"  heartbeats per stream {results.Min(r => r.Heartbeats)}–{results.Max(r => r.Heartbeats)}; longest silence on any stream {silence:0.00} s; first token p50 {firstToken.P50:0.00} s, p99 {firstToken.P99:0.00} s");
        Console.WriteLine($"  {"",12} {"RSS MB",8} {"anon MB",8} {"GC heap MB",11} {"threads",8} {"pool thr",9} {"pool queue",11} {"open files",11}");
        foreach (var (name, r) in new[] { ("before", before), ("held", uncollected), ("held, GC'd", whileHeld), ("after", after) })
            Console.WriteLine($"  {name,12} {r.RssKb / 1024.0,8:0} {r.AnonymousKb / 1024.0,8:0} {r.GcHeapMb,11:0.0} {r.Threads,8} {r.PoolThreads,9:0} {r.PoolQueue,11:0.0} {r.OpenFiles,11:N0}");
        var peakThreads = heldReadings.Select(r => r.Threads).DefaultIfEmpty(0).Max();
        var peakQueue = readings.Where(r => r.AtSeconds >= rampStart.TotalSeconds).Select(r => r.PoolQueue ?? 0).DefaultIfEmpty(0).Max();
        Console.WriteLine($"  while held: peak threads {peakThreads}, peak thread-pool queue {peakQueue:0.0} (ramp included)");
        Console.WriteLine($"  memory per held stream: RSS {perStreamRssKb:0.0} KB, private {perStreamAnonymousKb:0.0} KB, GC heap {perStreamGcKb:0.0} KB");

        Console.WriteLine($"  other requests, a few a second: {"",18} {"before p50",11} {"p99",8} {"ramp p50",10} {"p99",8} {"held p50",10} {"p99",8} {"n held",7} {"errors",7}");
        var others = new List<object>();
        foreach (var kind in probes.Select(p => p.Kind).Distinct())
        {
            var beforeProbes = probes.Where(p => p.Kind == kind && p.AtSeconds < rampStart.TotalSeconds).ToList();
            var rampProbes = probes.Where(p => p.Kind == kind && p.AtSeconds >= rampStart.TotalSeconds && p.AtSeconds < openAt).ToList();
            var heldProbes = probes.Where(p => p.Kind == kind && measured(p)).ToList();
            var b = Load.Total([.. beforeProbes.Select(p => p.Sample)]);
            var r = Load.Total([.. rampProbes.Select(p => p.Sample)]);
            var h = Load.Total([.. heldProbes.Select(p => p.Sample)]);
            var failed = probes.Count(p => p.Kind == kind && !p.Sample.Ok);
            Console.WriteLine($"  {kind,50} {b.P50,9:0.00}ms {b.P99,6:0.00}ms {r.P50,8:0.00}ms {r.P99,6:0.00}ms {h.P50,8:0.00}ms {h.P99,6:0.00}ms {heldProbes.Count,7} {failed,7}");
            others.Add(new { kind, beforeP50 = b.P50, beforeP99 = b.P99, rampP50 = r.P50, rampP99 = r.P99, heldP50 = h.P50, heldP99 = h.P99, heldCount = heldProbes.Count, errors = failed });
        }

        return new
        {
            streams, asked, openWhenRead, openFileLimit = limit, rampSeconds = Ramp.TotalSeconds, firstTokenDelaySeconds = FirstTokenDelay.TotalSeconds,
            heartbeatSeconds = Heartbeat.TotalSeconds, replies = results.Length, done, errors, withoutHeartbeat,
            minHeartbeats = results.Min(r => r.Heartbeats), longestSilenceSeconds = silence, firstTokenP50Seconds = firstToken.P50,
            firstTokenP99Seconds = firstToken.P99, before, heldUncollected = uncollected, held = whileHeld, after, peakThreads, peakPoolQueue = peakQueue,
            perStreamRssKb, perStreamAnonymousKb, perStreamGcKb, cpuPerMessageMs, others, readings,
            failures = results.Where(r => r.Failure is not null).GroupBy(r => r.Failure).ToDictionary(g => g.Key!, g => g.Count()),
        };
    }

    static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    static (double P50, double P99) Percentiles(List<double> values) =>
        values.Count == 0 ? (double.NaN, double.NaN) : (Machine.Percentile(values, 50), Machine.Percentile(values, 99));

    sealed record Probe(string Kind, double AtSeconds, Sample Sample);

    /// <summary>Sends each kind of request every <see cref="ProbeEvery"/>, on schedule whether or not earlier ones answered.</summary>
    static async Task<List<Probe>> ProbeAsync(Stopwatch clock, (string Kind, Func<CancellationToken, Task<Sample>> Send)[] kinds, CancellationToken stop)
    {
        var sent = new List<Task<Probe>>();
        using var timer = new PeriodicTimer(ProbeEvery);
        while (!stop.IsCancellationRequested && await timer.WaitForNextTickAsync(CancellationToken.None))
        {
            var at = clock.Elapsed.TotalSeconds;
            foreach (var (kind, send) in kinds) sent.Add(Task.Run(async () => new Probe(kind, at, await send(CancellationToken.None))));
        }
        return [.. await Task.WhenAll(sent)];
    }

    static async Task<Sample> GetAsync(HttpClient http, string path, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.GetAsync(path, ct);
            await response.Content.ReadAsByteArrayAsync(ct);
            return new Sample(-1, Stopwatch.GetElapsedTime(start).TotalMilliseconds, response.IsSuccessStatusCode);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
        {
            return new Sample(-1, Stopwatch.GetElapsedTime(start).TotalMilliseconds, false);
        }
    }

    static async Task<Guid> ChatClientAsync(HttpClient admin, string upstream)
    {
        var gateway = await DataAsync(admin, "api/v1/ai-gateways", new { name = "thinking", parameters = new { baseAddress = upstream, modelName = "gpt-4o-mini" } });
        var client = await DataAsync(admin, "api/v1/web-chat-client", new { name = "thinking", aiGatewayId = gateway.GetProperty("id").GetGuid() });
        return client.GetProperty("id").GetGuid();
    }

    static async Task<string> AccessKeyAsync(HttpClient admin, Guid client, CancellationToken ct = default) =>
        (await DataAsync(admin, $"api/v1/web-chat-client/{client}/sessions", new { }, ct)).GetProperty("accessKey").GetString()!;

    static async Task<JsonElement> DataAsync(HttpClient admin, string path, object body, CancellationToken ct = default)
    {
        using var response = await admin.PostAsJsonAsync(path, body, ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("data");
    }
}
