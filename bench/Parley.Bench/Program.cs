using System.Text.Json;
using Parley.Bench;

// Each suite prints a table and returns its figures; all of them are written to bench/results as JSON.
var suites = new Dictionary<string, Func<Task<object>>>(StringComparer.OrdinalIgnoreCase)
{
    ["relay"] = RelayBench.RunAsync,
    ["session"] = SessionBench.RunAsync,
    ["capacity"] = CapacityBench.RunAsync,
    ["talkpage"] = TalkPageBench.RunAsync,
};
var chosen = args.Length == 0 ? suites.Keys.ToArray() : args;
var unknown = chosen.Where(name => !suites.ContainsKey(name)).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"Unknown suite(s): {string.Join(", ", unknown)}. Suites: {string.Join(", ", suites.Keys)}.");
    return 2;
}

var results = new Dictionary<string, object> { ["machine"] = Machine.Describe(), ["date"] = DateTimeOffset.UtcNow };
foreach (var name in chosen) results[name] = await suites[name]();

var folder = Path.Combine(Machine.RepositoryRoot(), "bench", "results");
Directory.CreateDirectory(folder);
var file = Path.Combine(folder, $"bench-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
await File.WriteAllTextAsync(file, JsonSerializer.Serialize(results, new JsonSerializerOptions(JsonSerializerOptions.Web) { WriteIndented = true }));
Console.WriteLine($"\nResults written to {file}");
return 0;
