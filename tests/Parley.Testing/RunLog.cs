using System.Text;

namespace Parley.Testing;

/// <summary>
/// The whole test run's logs, for Parley.RunLogTests to search afterwards. When PARLEY_TEST_RUN_LOG names a folder
/// (test.sh sets it), every Parley a test starts also logs into a file there, at Debug for Parley, ASP.NET Core and
/// HttpClient, and every secret the test helpers create (admin and access keys, provider keys, bot and Z-API tokens,
/// operator passwords) is noted beside them.
/// </summary>
public static class RunLog
{
    public const string Variable = "PARLEY_TEST_RUN_LOG";

    static readonly Lock Writing = new();
    static readonly HashSet<string> Noted = [];

    public static string? Folder { get; } =
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } folder ? Directory.CreateDirectory(folder).FullName : null;

    public static void NoteSecret(string? secret)
    {
        // Shorter strings are too likely to turn up as ordinary words.
        if (Folder is null || secret is null || secret.Length < 8) return;
        lock (Writing)
        {
            if (Noted.Add(secret)) File.AppendAllText(Path.Combine(Folder, $"secrets-{Environment.ProcessId}.txt"), secret + "\n");
        }
    }

    /// <summary>Adds the run's log file to a Parley's logging, when the run keeps one.</summary>
    public static void AddTo(IServiceCollection services)
    {
        if (Folder is null) return;
        var file = Path.Combine(Folder, $"parley-{Environment.ProcessId}-{Guid.NewGuid():n}.log");
        services.AddLogging(logging =>
        {
            logging.AddProvider(new FileLogs(file));
            // Rules of this provider's own win over the run's general levels (Warning and less in tests).
            logging.AddFilter<FileLogs>(null, LogLevel.Information);
            foreach (var category in new[] { "Parley", "Microsoft.AspNetCore", "System.Net.Http", "Microsoft.Extensions.Http" })
                logging.AddFilter<FileLogs>(category, LogLevel.Debug);
        });
    }

    /// <summary>What a Parley process wrote to its console, kept with the run's logs.</summary>
    public static void Keep(string processOutput)
    {
        if (Folder is null) return;
        File.WriteAllText(Path.Combine(Folder, $"process-{Environment.ProcessId}-{Guid.NewGuid():n}.log"), processOutput);
    }

    sealed class FileLogs(string path) : ILoggerProvider
    {
        readonly StreamWriter writer = new(path, append: false, Encoding.UTF8);

        public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

        void Write(string line)
        {
            lock (writer) writer.WriteLine(line);
        }

        public void Dispose()
        {
            lock (writer) writer.Dispose();
        }

        sealed class FileLogger(FileLogs logs, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                logs.Write($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
            }
        }
    }
}
