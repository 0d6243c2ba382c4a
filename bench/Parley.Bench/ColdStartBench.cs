using System.Diagnostics;
using System.Globalization;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Bench;

/// <summary>
/// A freshly started Parley, as an autoscaler or a deploy starts one: how long until <c>/readyz</c> answers 200, and
/// what the relay adds in the first seconds of traffic, while its code is still being compiled. Each start is a new
/// process (<c>dotnet Parley.dll</c>) in a new folder with a new SQLite database, then started once more on that database.
/// The bench's own side (its HTTP
/// client, the test upstream) is warmed up before the first start, so only Parley is cold. The published build is made
/// by the bench itself (dotnet publish with ReadyToRun into a temporary folder), unless PARLEY_COLDSTART_PUBLISHED names
/// a folder published before.
/// </summary>
public static class ColdStartBench
{
    const int Starts = 5;
    const int Seconds = 5;
    // Linux counts a process's CPU time in /proc in ticks of 1/100 s (USER_HZ).
    const double MillisecondsPerTick = 10;

    sealed record Variant(string Name, string Dll, Dictionary<string, string> Environment);

    sealed record Start(double RunningMs, double ReadyMs, double CpuAtReadyMs, double RestartReadyMs, double GatewayMs, int Requests, int Errors,
        double AddedP50, double AddedP99, double[] AddedP50BySecond, double WarmAddedP50);

    public static async Task<object> RunAsync()
    {
        await using var upstream = await TestUpstream.StartAsync(recordRequests: false);
        using var direct = Load.Client(new Uri(upstream.BaseAddress.TrimEnd('/') + "/"));
        const string warmBody = """{"model":"gpt-4o-mini","stream":false,"messages":[{"role":"user","content":"Say hello"}]}""";
        await Warmup.UntilSettledAsync(async () =>
        {
            await Load.RunAsync(1, 2000, (_, ct) => Load.PostAsync(direct, "chat/completions", warmBody, ct));
            using var probe = await direct.GetAsync("readyz");
        });

        var build = Path.Combine(AppContext.BaseDirectory, "Parley.dll");
        var published = Path.Combine(await PublishedFolderAsync(), "Parley.dll");
        Variant[] variants =
        [
            new("build", build, []),
            new("published, ReadyToRun", published, []),
            new("published, ReadyToRun, TieredPGO=0", published, new() { ["DOTNET_TieredPGO"] = "0" }),
            new("published, ReadyToRun, TieredCompilation=0", published, new() { ["DOTNET_TieredCompilation"] = "0" }),
        ];

        var rows = new List<object>();
        Console.WriteLine($"Cold start: {Starts} starts each, fresh SQLite folder; relay requests one at a time for the first {Seconds} s after ready");
        Console.WriteLine($"  {"build",-44} {"running at",11} {"ready",18} {"CPU at ready",13} {"restart ready",18} {"gateway",8} "
            + $"{"added p50",20} {"added p99",17} {"added p50 by second",30} {"warm p50",9} {"req",6}");
        // Round by round, every build once a round, so a neighbour's load that comes and goes falls on all of them.
        var runs = variants.ToDictionary(v => v, _ => new List<Start>());
        for (var i = 0; i < Starts; i++)
        {
            foreach (var variant in variants) runs[variant].Add(await StartOnceAsync(variant, upstream, direct));
        }
        foreach (var (variant, starts) in runs)
        {
            var bySecond = Enumerable.Range(0, Seconds).Select(s => Median(starts.Select(x => x.AddedP50BySecond[s]))).ToArray();
            Console.WriteLine($"  {variant.Name,-44} {Median(starts.Select(s => s.RunningMs)),9:0}ms {Range(starts.Select(s => s.ReadyMs), "0"),18} "
                + $"{Median(starts.Select(s => s.CpuAtReadyMs)),11:0}ms {Range(starts.Select(s => s.RestartReadyMs), "0"),18} {Median(starts.Select(s => s.GatewayMs)),6:0}ms "
                + $"{Range(starts.Select(s => s.AddedP50), "0.000"),20} {Range(starts.Select(s => s.AddedP99), "0.00"),17} "
                + $"{string.Join(" ", bySecond.Select(v => v.ToString("0.000", CultureInfo.InvariantCulture))),30} "
                + $"{Median(starts.Select(s => s.WarmAddedP50)),7:0.000}ms {Median(starts.Select(s => (double)s.Requests)),6:0}");
            var errors = starts.Sum(s => s.Errors);
            if (errors > 0) Console.WriteLine($"    ({errors} relay errors)");
            rows.Add(new { variant.Name, variant.Environment, starts, addedP50BySecond = bySecond });
        }
        Console.WriteLine("  (median [min–max] over the starts, in ms; by second: the median of the starts' added p50 in each second; "
            + "warm p50: the same instance's added p50 after a warm-up; restart ready: started again on its own database)");
        return rows;
    }

    static async Task<Start> StartOnceAsync(Variant variant, TestUpstream upstream, HttpClient direct)
    {
        var folder = Directory.CreateTempSubdirectory("parley-coldstart-");
        try
        {
            var (parley, running, ready, cpu) = await StartUntilReadyAsync(variant, folder.FullName);
            await using (parley)
            {
                using var relay = Load.Client(parley.BaseAddress, TestParley.AdminKey);
                var clock = Stopwatch.StartNew();
                var gateway = await parley.CreateGatewayAsync(upstream.BaseAddress);
                var gatewayMs = clock.Elapsed.TotalMilliseconds;
                var body = $$"""{"model":"{{gateway}}","stream":false,"messages":[{"role":"user","content":"Say hello"}]}""";

                var cold = await PairsAsync(direct, relay, body, TimeSpan.FromSeconds(Seconds));
                // The same instance once its code has settled, under whatever else this machine is running now.
                await Load.RunAsync(2, 3000, (_, ct) => Load.PostAsync(relay, "v1/chat/completions", body, ct));
                await Task.Delay(TimeSpan.FromSeconds(1));
                var warm = await PairsAsync(direct, relay, body, TimeSpan.FromSeconds(2));
                await parley.TerminateAsync(TimeSpan.FromSeconds(30));

                // Started again on the database it made: a restart or a deploy of an instance that keeps its data.
                var (again, _, restartReady, _) = await StartUntilReadyAsync(variant, folder.FullName);
                await again.DisposeAsync();

                var (addedP50, addedP99) = Added(cold);
                var bySecond = Enumerable.Range(0, Seconds).Select(s => Added([.. cold.Where(x => x.Second == s)]).P50).ToArray();
                return new Start(running, ready, cpu, restartReady, gatewayMs, cold.Count, cold.Count(x => !x.Relay.Ok),
                    addedP50, addedP99, bySecond, Added(warm).P50);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Starts Parley and polls /readyz until it answers 200; times count from the start of the process.</summary>
    static async Task<(ParleyProcess Parley, double RunningMs, double ReadyMs, double CpuAtReadyMs)> StartUntilReadyAsync(Variant variant, string folder)
    {
        var environment = new Dictionary<string, string>(variant.Environment) { ["PARLEY_ADMIN_KEY"] = TestParley.AdminKey };
        var clock = Stopwatch.StartNew();
        var parley = await ParleyProcess.StartAsync(folder, environment, parleyDll: variant.Dll, wholeWelcome: false);
        var running = clock.Elapsed.TotalMilliseconds;
        using var http = Load.Client(parley.BaseAddress);
        while (!await IsReadyAsync(http))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                await parley.DisposeAsync();
                throw new TimeoutException("Parley did not become ready:\n" + parley.Output);
            }
        }
        return (parley, running, clock.Elapsed.TotalMilliseconds, CpuMilliseconds(parley.Id));
    }

    /// <summary>
    /// The same request straight to the upstream and through Parley, one at a time for <paramref name="duration"/>;
    /// each pair in alternating order, so neither side is always the one that follows the other.
    /// </summary>
    static async Task<List<(int Second, Sample Direct, Sample Relay)>> PairsAsync(HttpClient direct, HttpClient relay, string body, TimeSpan duration)
    {
        var pairs = new List<(int Second, Sample Direct, Sample Relay)>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; clock.Elapsed < duration; i++)
        {
            var second = Math.Min((int)clock.Elapsed.TotalSeconds, Seconds - 1);
            Sample d, p;
            if (i % 2 == 0)
            {
                d = await Load.PostAsync(direct, "chat/completions", body, CancellationToken.None);
                p = await Load.PostAsync(relay, "v1/chat/completions", body, CancellationToken.None);
            }
            else
            {
                p = await Load.PostAsync(relay, "v1/chat/completions", body, CancellationToken.None);
                d = await Load.PostAsync(direct, "chat/completions", body, CancellationToken.None);
            }
            pairs.Add((second, d, p));
        }
        return pairs;
    }

    static async Task<bool> IsReadyAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync("readyz");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    static (double P50, double P99) Added(List<(int Second, Sample Direct, Sample Relay)> pairs)
    {
        if (pairs.Count == 0) return (double.NaN, double.NaN);
        var d = Load.Total([.. pairs.Select(x => x.Direct)]);
        var p = Load.Total([.. pairs.Select(x => x.Relay)]);
        return (p.P50 - d.P50, p.P99 - d.P99);
    }

    /// <summary>The CPU time (user and system) the process has used so far, read from /proc.</summary>
    static double CpuMilliseconds(int pid)
    {
        // The command name (field 2) is in parentheses and may hold spaces; utime and stime are fields 14 and 15.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * MillisecondsPerTick;
    }

    static async Task<string> PublishedFolderAsync()
    {
        if (Environment.GetEnvironmentVariable("PARLEY_COLDSTART_PUBLISHED") is { Length: > 0 } given) return given;
        var output = Path.Combine(Path.GetTempPath(), "parley-coldstart-publish");
        var project = Path.Combine(Machine.RepositoryRoot(), "src", "Parley", "Parley.csproj");
        Console.WriteLine($"  (publishing {project} with ReadyToRun to {output})");
        using var publish = Process.Start(new ProcessStartInfo("dotnet",
            ["publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-p:PublishReadyToRun=true", "-o", output])
        {
            RedirectStandardOutput = true,
        })!;
        var log = await publish.StandardOutput.ReadToEndAsync();
        await publish.WaitForExitAsync();
        if (publish.ExitCode != 0) throw new InvalidOperationException("dotnet publish failed:\n" + log);
        return output;
    }

    static double Median(IEnumerable<double> values) => Machine.Percentile([.. values], 50);

    static string Range(IEnumerable<double> values, string format)
    {
        var list = values.ToList();
        string F(double v) => v.ToString(format, CultureInfo.InvariantCulture);
        return $"{F(Median(list))} [{F(list.Min())}–{F(list.Max())}]";
    }
}
