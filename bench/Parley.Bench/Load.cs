using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Parley.Testing;

namespace Parley.Bench;

/// <summary>One measured request: time to the first byte of the body (first token when streaming) and in total.</summary>
public readonly record struct Sample(double FirstByteMs, double TotalMs, bool Ok);

/// <summary>A bounded load: <c>concurrency</c> workers send requests until <c>total</c> were sent, then stop.</summary>
public static class Load
{
    public static HttpClient Client(Uri baseAddress, string? bearer = null)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (bearer is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return http;
    }

    /// <summary>
    /// The environment of a Parley run as a process of its own for measuring: the test admin key, quiet logs, and the
    /// limits that would stop one address sending thousands of messages turned off; then <paramref name="more"/>, and
    /// PARLEY_BENCH_PARLEY_ENV="DOTNET_gcServer=1;…" to try runtime settings.
    /// </summary>
    public static Dictionary<string, string> ParleyEnvironment(params (string Name, string Value)[] more)
    {
        var environment = new Dictionary<string, string>
        {
            ["PARLEY_ADMIN_KEY"] = TestParley.AdminKey,
            ["Logging__LogLevel__Default"] = "Error",
            ["Parley__RateLimits__SessionsPerMinute"] = "0",
            ["Parley__RateLimits__SessionRequestsPerMinute"] = "0",
            ["Parley__RateLimits__SessionRequestsPerMinutePerAddress"] = "0",
        };
        foreach (var (name, value) in more) environment[name] = value;
        foreach (var pair in (Environment.GetEnvironmentVariable("PARLEY_BENCH_PARLEY_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
            environment[pair.Split('=', 2)[0]] = pair.Split('=', 2)[1];
        return environment;
    }

    /// <summary>A client that talks straight to the test upstream, for the "direct" side of a comparison.</summary>
    public static HttpClient Upstream(TestParley parley) => Client(new Uri(parley.Upstream.BaseAddress.TrimEnd('/') + "/"));

    /// <summary>A streamed chat completion request for the upstream, with usage in its last chunk, as Parley asks.</summary>
    public static string StreamedCompletion(string userText) =>
        $$"""{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":{{JsonSerializer.Serialize(userText)}}}]}""";

    /// <remarks>
    /// With <paramref name="stagger"/>, worker i starts after i/concurrency of it: workers whose requests take the
    /// same time would otherwise stay in step and arrive as one burst after another, which no real traffic does.
    /// </remarks>
    public static async Task<(List<Sample> Samples, double Seconds)> RunAsync(
        int concurrency, int total, Func<int, CancellationToken, Task<Sample>> send, TimeSpan stagger = default)
    {
        var samples = new List<Sample>(total);
        var next = -1;
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            if (stagger > TimeSpan.Zero) await Task.Delay(stagger * ((double)worker / concurrency));
            int i;
            while ((i = Interlocked.Increment(ref next)) < total && !stop.IsCancellationRequested)
            {
                var sample = await send(i, stop.Token);
                lock (samples) samples.Add(sample);
            }
        }));
        return (samples, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Keeps <paramref name="streams"/> requests in flight, as steady traffic does: each worker starts at its own
    /// moment within <paramref name="ramp"/> and sends one request after another until <paramref name="measure"/>
    /// more has passed. Only requests that started after the ramp are measured.
    /// </summary>
    public static async Task<(List<Sample> Measured, int Completed)> SteadyAsync(
        int streams, TimeSpan ramp, TimeSpan measure, Func<int, CancellationToken, Task<Sample>> send)
    {
        var samples = new List<Sample>();
        var completed = 0;
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(ramp + measure + TimeSpan.FromMinutes(2));
        await Task.WhenAll(Enumerable.Range(0, streams).Select(async worker =>
        {
            await Task.Delay(ramp * ((double)worker / streams));
            while (clock.Elapsed < ramp + measure && !stop.IsCancellationRequested)
            {
                var started = clock.Elapsed;
                var sample = await send(worker, stop.Token);
                Interlocked.Increment(ref completed);
                if (started >= ramp) lock (samples) samples.Add(sample);
            }
        }));
        return (samples, completed);
    }

    /// <summary>
    /// Sends <paramref name="perSecond"/> requests a second for <paramref name="duration"/>, each on schedule
    /// whether or not earlier ones have answered (an open load, as independent callers make); latency counts from
    /// each request's own start.
    /// </summary>
    public static async Task<(List<Sample> Samples, double Seconds)> RateAsync(
        int perSecond, TimeSpan duration, Func<int, CancellationToken, Task<Sample>> send)
    {
        var total = (int)(perSecond * duration.TotalSeconds);
        var samples = new Sample[total];
        var sent = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(duration + TimeSpan.FromMinutes(1));
        for (var i = 0; i < total; i++)
        {
            var wait = TimeSpan.FromSeconds((double)i / perSecond) - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
            var index = i;
            sent.Add(Task.Run(async () => samples[index] = await send(index, stop.Token)));
        }
        await Task.WhenAll(sent);
        return ([.. samples], clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Sends a message in a session taken from <paramref name="idle"/> and gives the session back once the reply has
    /// ended: a session answers one message at a time.
    /// </summary>
    public static async Task<Sample> SendInIdleSessionAsync(HttpClient http, ConcurrentQueue<string> idle, string content, CancellationToken ct)
    {
        if (!idle.TryDequeue(out var key)) throw new InvalidOperationException("Every session of the pool is busy: make the pool larger than the concurrency.");
        try
        {
            return await PostAsync(http, $"api/v1/chat/{key}/messages", JsonSerializer.Serialize(new { content }), ct);
        }
        finally
        {
            idle.Enqueue(key);
        }
    }

    /// <summary>POSTs JSON and reads the answer to its end, noting when its first body byte arrived.</summary>
    public static async Task<Sample> PostAsync(HttpClient http, string path, string json, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            var buffer = ArrayPool<byte>.Shared.Rent(4096);
            var first = -1.0;
            try
            {
                while (await body.ReadAsync(buffer, ct) > 0)
                {
                    if (first < 0) first = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            return new Sample(first, Stopwatch.GetElapsedTime(start).TotalMilliseconds, response.IsSuccessStatusCode);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
        {
            return new Sample(-1, Stopwatch.GetElapsedTime(start).TotalMilliseconds, false);
        }
    }

    public static (double P50, double P99) FirstByte(List<Sample> samples) => Percentiles(samples.Where(s => s.Ok).Select(s => s.FirstByteMs).ToList());

    public static (double P50, double P99) Total(List<Sample> samples) => Percentiles(samples.Where(s => s.Ok).Select(s => s.TotalMs).ToList());

    static (double, double) Percentiles(List<double> values) =>
        values.Count == 0 ? (double.NaN, double.NaN) : (Machine.Percentile(values, 50), Machine.Percentile(values, 99));
}
