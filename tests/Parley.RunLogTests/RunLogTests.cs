using System.Buffers;
using System.Text.RegularExpressions;

namespace Parley.RunLogTests;

/// <summary>
/// Every log line of the whole test run (every test's Parley at Debug, and the console output of every Parley process
/// the tests started) searched for every secret the tests created: none may appear, only their shortened hints.
/// </summary>
public sealed partial class RunLogTests
{
    [Fact]
    public void No_secret_the_tests_created_appears_in_any_log_of_the_run()
    {
        var folder = Environment.GetEnvironmentVariable("PARLEY_TEST_RUN_LOG");
        Assert.SkipWhen(string.IsNullOrEmpty(folder) || !Directory.Exists(folder),
            "PARLEY_TEST_RUN_LOG names no folder of logs: run the suite with test.sh, which keeps them.");

        var secrets = Directory.EnumerateFiles(folder!, "secrets-*.txt").SelectMany(File.ReadLines)
            .Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        var logs = Directory.EnumerateFiles(folder!, "*.log").ToList();
        // A run that logged nearly nothing would prove nothing.
        Assert.True(secrets.Length >= 100, $"Only {secrets.Length} secrets were noted during the run.");
        Assert.True(logs.Count >= 100, $"Only {logs.Count} log files were written during the run.");

        var search = SearchValues.Create(secrets, StringComparison.Ordinal);
        var leaks = new List<string>();
        var hints = 0;
        foreach (var log in logs)
        {
            var lineNumber = 0;
            foreach (var line in File.ReadLines(log))
            {
                lineNumber++;
                if (line.AsSpan().IndexOfAny(search) >= 0)
                {
                    var secret = secrets.First(s => line.Contains(s, StringComparison.Ordinal));
                    leaks.Add($"{Path.GetFileName(log)}:{lineNumber}: {secret[..Math.Min(6, secret.Length)]}… in: {line[..Math.Min(300, line.Length)]}");
                }
                hints += ShortenedAccessKey().Count(line);
            }
        }
        Assert.True(leaks.Count == 0, $"{leaks.Count} log lines hold a secret:\n{string.Join('\n', leaks.Take(20))}");
        // Access keys did go by in the logs (in request paths), shortened.
        Assert.True(hints > 0, "No shortened access key appears in the logs: they did not see the requests.");
    }

    [GeneratedRegex("wky_[A-Za-z0-9_-]{0,4}…")]
    private static partial Regex ShortenedAccessKey();
}
