using System.Diagnostics;
using Parley.Data;
using Parley.Insight;
using Parley.Sessions;
using Parley.Testing;

namespace Parley.Bench;

/// <summary>
/// The console's sessions table and the usage report on a year of traffic: 100,000 sessions of 8 chat clients on 4
/// channels, 10 messages each (1,000,000 messages), spread over 365 days. Each read is the query the page or the
/// usage route runs, in a DI scope of its own.
/// </summary>
public static class InsightBench
{
    const int Sessions = 100_000;
    const int MessagesPerSession = 10;
    const int Runs = 15;

    static readonly string[] Channels = [SessionChannels.Web, SessionChannels.Console, SessionChannels.Telegram, SessionChannels.WhatsApp];

    public static async Task<object> RunAsync()
    {
        var results = new List<object>();
        foreach (var kind in Databases())
        {
            await using var parley = await TestParley.StartForBenchmarkAsync(kind, "--Logging:LogLevel:Default=Error");
            var gateway = await parley.CreateGatewayAsync();
            var clients = new List<Guid>();
            for (var c = 0; c < 8; c++) clients.Add(await InsightSeed.ClientAsync(parley, $"Client {c + 1}", gateway));
            var end = DateTime.UtcNow.Date;
            var start = end.AddDays(-365);
            var seeding = Stopwatch.StartNew();
            await InsightSeed.ManyAsync(parley, Sessions, i =>
            {
                var createdAt = start.AddSeconds(i * (365 * 86_400.0 / Sessions));
                var messages = new SeedMessage[MessagesPerSession];
                for (var m = 0; m < MessagesPerSession; m++)
                {
                    var at = createdAt.AddSeconds(m * 20);
                    messages[m] = m % 2 == 0
                        ? new SeedMessage(MessageRole.User, $"question {m} of session {i}", at)
                        : new SeedMessage(MessageRole.Assistant, $"answer {m} of session {i}", at, 200 + i % 50, 40 + m,
                            ErrorCode: i % 97 == 0 && m == 9 ? "provider_error" : null, Feedback: i % 53 == 0 && m == 9 ? "down" : null);
                }
                return (clients[i % clients.Count], createdAt, $"user-{i % 20_000}", Channels[i % Channels.Length], $"plan: gold; seat {i}", messages);
            });
            Console.WriteLine($"Sessions table and usage on {kind}: {Sessions:N0} sessions, {Sessions * MessagesPerSession:N0} messages over a year (seeded in {seeding.Elapsed.TotalSeconds:0} s)");
            Console.WriteLine($"  {"read",-52} {"p50",9} {"p95",9} {"rows",6}");

            var year = new UsageRange(start, end.AddDays(1));
            var client = clients[0];
            var reads = new (string Name, Func<AppDb, Task<int>> Read)[]
            {
                ("sessions table, first page (last activity)", async db => (await SessionTable.PageAsync(db, new(client, null, null, null, false, 0, 25), default)).Rows.Count),
                ("sessions table, first page by tokens", async db => (await SessionTable.PageAsync(db, new(client, null, null, "Tokens", false, 0, 25), default)).Rows.Count),
                ("sessions table, 200th page", async db => (await SessionTable.PageAsync(db, new(client, null, null, null, false, 199 * 25, 25), default)).Rows.Count),
                ("sessions table, tag starts with user-1999", async db => (await SessionTable.PageAsync(db, new(client, "user-1999", null, null, false, 0, 25), default)).Rows.Count),
                ("usage, a year by day", async db => (await UsageQueries.ReportAsync(db, year, UsageGrouping.Day, default)).Groups.Count),
                ("usage, a year by client", async db => (await UsageQueries.ReportAsync(db, year, UsageGrouping.Client, default)).Groups.Count),
                ("usage, a year by channel", async db => (await UsageQueries.ReportAsync(db, year, UsageGrouping.Channel, default)).Groups.Count),
                ("usage, a year by tag (top 100)", async db => (await UsageQueries.ReportAsync(db, year, UsageGrouping.Tag, default)).Groups.Count),
                ("usage, 30 days by day", async db => (await UsageQueries.ReportAsync(db, new UsageRange(end.AddDays(-29), end.AddDays(1)), UsageGrouping.Day, default)).Groups.Count),
                ("usage, a year's top sessions", async db => (await UsageQueries.TopSessionsAsync(db, year, default)).Count),
                ("logs, first page", async db => (await LogTable.PageAsync(db, new LogFilter(), 0, 25, default)).Rows.Count),
                ("logs, first page with an error", async db => (await LogTable.PageAsync(db, new LogFilter(HasError: true), 0, 25, default)).Rows.Count),
                ("feedback, first page", async db => (await LogTable.NegativeFeedbackAsync(db, 0, 25, default)).Rows.Count),
            };
            foreach (var (name, read) in reads)
            {
                var rows = await InScopeAsync(parley, read);
                var times = new List<double>();
                for (var i = 0; i < Runs; i++)
                {
                    var clock = Stopwatch.StartNew();
                    await InScopeAsync(parley, read);
                    times.Add(clock.Elapsed.TotalMilliseconds);
                }
                var (p50, p95) = (Machine.Percentile(times, 50), Machine.Percentile(times, 95));
                Console.WriteLine($"  {name,-52} {p50,7:0.0}ms {p95,7:0.0}ms {rows,6}");
                results.Add(new { database = kind.ToString(), read = name, p50Ms = p50, p95Ms = p95, rows, sessions = Sessions, messages = Sessions * MessagesPerSession });
            }
        }
        return results;
    }

    static async Task<int> InScopeAsync(TestParley parley, Func<AppDb, Task<int>> read)
    {
        await using var scope = parley.Services.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<AppDb>());
    }

    static IEnumerable<DatabaseKind> Databases() =>
        Environment.GetEnvironmentVariable("PARLEY_BENCH_POSTGRES") == "0" ? [DatabaseKind.Sqlite] : [DatabaseKind.Sqlite, DatabaseKind.Postgres];
}
