using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Parley.Bench;

// Each suite prints a table and returns its figures; all of them are written to bench/results as JSON.
var suites = new Dictionary<string, Func<Task<object>>>(StringComparer.OrdinalIgnoreCase)
{
    ["relay"] = RelayBench.RunAsync,
    ["session"] = SessionBench.RunAsync,
    ["capacity"] = CapacityBench.RunAsync,
    ["talkpage"] = TalkPageBench.RunAsync,
    ["console"] = ConsoleBench.RunAsync,
    ["chats"] = ChatsBench.RunAsync,
    ["insight"] = InsightBench.RunAsync,
    ["held"] = HeldBench.RunAsync,
    ["outside"] = OutsideBench.RunAsync,
    ["coldstart"] = ColdStartBench.RunAsync,
};
// The held suite's slow upstream, a child process of the suite (see SlowUpstream).
if (args is [SlowUpstream.Argument, _]) return await SlowUpstream.ServeAsync(args);
var unknown = args.Where(name => !suites.ContainsKey(name)).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"Unknown suite(s): {string.Join(", ", unknown)}. Suites: {string.Join(", ", suites.Keys)}.");
    return 2;
}

if (args.Length == 0)
{
    // Every suite in a process of its own, so none inherits another's heap, connections or threads.
    foreach (var name in suites.Keys)
    {
        var self = Environment.ProcessPath!;
        var start = Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? new ProcessStartInfo(self) { ArgumentList = { Assembly.GetEntryAssembly()!.Location, name } }
            : new ProcessStartInfo(self) { ArgumentList = { name } };
        using var suite = Process.Start(start)!;
        await suite.WaitForExitAsync();
        if (suite.ExitCode != 0) return suite.ExitCode;
    }
    return 0;
}

var results = new Dictionary<string, object> { ["machine"] = Machine.Describe(), ["date"] = DateTimeOffset.UtcNow };
foreach (var name in args) results[name] = await suites[name]();

var folder = Path.Combine(Machine.RepositoryRoot(), "bench", "results");
Directory.CreateDirectory(folder);
var file = Path.Combine(folder, $"bench-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{string.Join('-', args).ToLowerInvariant()}.json");
await File.WriteAllTextAsync(file, JsonSerializer.Serialize(results, new JsonSerializerOptions(JsonSerializerOptions.Web)
{
    WriteIndented = true,
    // A figure that could not be measured (no sample in its window) is written as "NaN" rather than failing the run.
    NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
}));
Console.WriteLine($"\nResults written to {file}");
return 0;
