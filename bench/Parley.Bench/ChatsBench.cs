using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Parley.ChatClients;
using Parley.Data;
using Parley.OperatorConsole.Chats;
using Parley.Sessions;
using Parley.Testing;

namespace Parley.Bench;

/// <summary>
/// The console's sessions list and its search on a large store: 100,000 sessions of 8 chat clients, each with a tag
/// and 4 messages (400,000 messages). Each read goes through ChatsWorkspace, as the Chats page's circuit calls it.
/// </summary>
public static class ChatsBench
{
    const int Sessions = 100_000;
    const int MessagesPerSession = 4;
    const int Runs = 15;

    static readonly string[] ClientNames =
        ["Acme Support", "Billing Bot", "Store Helper", "Travel Desk", "HR Assistant", "IT Helpdesk", "Sales Coach", "Onboarding"];

    // Everyday words for most of the text; "zanzibar" is in 20 messages only, "order" in about half of them.
    static readonly string[] Vocabulary =
    [
        "hello", "please", "thanks", "help", "account", "password", "invoice", "refund", "delivery", "shipping", "price",
        "discount", "payment", "card", "address", "change", "cancel", "subscription", "plan", "upgrade", "error", "login",
        "email", "phone", "today", "tomorrow", "week", "store", "open", "close", "hours", "product", "size", "colour",
        "return", "warranty", "repair", "ticket", "status", "update", "when", "where", "how", "why", "can", "you", "my",
        "the", "is", "it", "a", "to", "for", "with", "not", "working", "again", "new", "old", "still", "waiting",
    ];

    public static async Task<object> RunAsync()
    {
        var results = new List<object>();
        foreach (var kind in Databases())
        {
            await using var parley = await TestParley.StartForBenchmarkAsync(kind, "--Logging:LogLevel:Default=Error");
            var gateway = await parley.CreateGatewayAsync();
            var seeding = Stopwatch.StartNew();
            await SeedAsync(parley, gateway);
            Console.WriteLine($"Chats workspace on {kind}: {Sessions:N0} sessions, {Sessions * MessagesPerSession:N0} messages (seeded in {seeding.Elapsed.TotalSeconds:0} s)");
            Console.WriteLine($"  {"read",-46} {"p50",9} {"p95",9} {"rows",5}");

            var workspace = new ChatsWorkspace(parley.Services.GetRequiredService<IServiceScopeFactory>(), parley.Services.GetRequiredService<TimeProvider>());
            var newest = (await workspace.SessionsAsync(null, 0, SessionSeen.AdminReader, default)).Rows[0].Id;
            var reads = new (string Name, Func<Task<int>> Read)[]
            {
                ("list, first page", () => CountAsync(workspace, null, 0)),
                ("list, 20th page (load more)", () => CountAsync(workspace, null, 19 * ChatsWorkspace.PageSize)),
                ("search a tag: user-77777", () => CountAsync(workspace, "user-77777", 0)),
                ("search an assistant's name: billing", () => CountAsync(workspace, "billing", 0)),
                ("search a rare word: zanzibar (20 messages)", () => CountAsync(workspace, "zanzibar", 0)),
                ("search a word's start: zanz", () => CountAsync(workspace, "zanz", 0)),
                ("search a common word: order (~50% of messages)", () => CountAsync(workspace, "order", 0)),
                ("search two words: refund zanzibar", () => CountAsync(workspace, "refund zanzibar", 0)),
                ("search matching nothing: qwertyuiop", () => CountAsync(workspace, "qwertyuiop", 0)),
                ("open a session (conversation, read marker)", async () => (await workspace.OpenAsync(newest, SessionSeen.AdminReader, default))!.Thread.Entries.Count),
            };
            foreach (var (name, read) in reads)
            {
                var rows = await read();
                var times = new List<double>();
                for (var i = 0; i < Runs; i++)
                {
                    var clock = Stopwatch.StartNew();
                    await read();
                    times.Add(clock.Elapsed.TotalMilliseconds);
                }
                var (p50, p95) = (Machine.Percentile(times, 50), Machine.Percentile(times, 95));
                Console.WriteLine($"  {name,-46} {p50,7:0.0}ms {p95,7:0.0}ms {rows,5}");
                results.Add(new { database = kind.ToString(), read = name, p50Ms = p50, p95Ms = p95, rows, sessions = Sessions });
            }
        }
        return results;
    }

    static async Task<int> CountAsync(ChatsWorkspace workspace, string? search, int skip) =>
        (await workspace.SessionsAsync(search, skip, SessionSeen.AdminReader, default)).Rows.Count;

    /// <summary>Straight into the database, as years of traffic would leave it (through the triggers and indexes).</summary>
    static async Task SeedAsync(TestParley parley, Guid gatewayId)
    {
        var random = new Random(42);
        var start = DateTime.UtcNow.AddDays(-100);
        var clients = new List<Guid>();
        await using (var scope = parley.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDb>();
            foreach (var name in ClientNames)
            {
                var client = new ChatClient { Name = name, AiGatewayId = gatewayId, ClientParameters = new(), LimitingParameters = new(), CreatedAt = start };
                db.ChatClients.Add(client);
                clients.Add(client.Id);
            }
            await db.SaveChangesAsync();
        }

        var rare = new HashSet<int>(Enumerable.Range(0, 20).Select(_ => random.Next(Sessions * MessagesPerSession)));
        const int Batch = 2_000;
        for (var first = 0; first < Sessions; first += Batch)
        {
            await using var scope = parley.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDb>();
            for (var i = first; i < Math.Min(first + Batch, Sessions); i++)
            {
                var createdAt = start.AddSeconds(i * 86.4);
                var session = new Session
                {
                    ChatClientId = clients[i % clients.Count], Tag = $"user-{i}", ActiveTag = $"user-{i}", Channel = SessionChannels.Web,
                    CreatedAt = createdAt, LastMessageAt = createdAt.AddSeconds((MessagesPerSession - 1) * 10), ExpiresAt = createdAt.AddHours(1),
                };
                db.Sessions.Add(session);
                for (var m = 0; m < MessagesPerSession; m++)
                {
                    var words = Enumerable.Range(0, random.Next(6, 30)).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]).ToList();
                    if (random.Next(2) == 0) words.Insert(random.Next(words.Count), "order");
                    if (rare.Contains(i * MessagesPerSession + m)) words.Add("zanzibar");
                    db.Messages.Add(new Message
                    {
                        SessionId = session.Id, Role = m % 2 == 0 ? MessageRole.User : MessageRole.Assistant, Content = string.Join(' ', words),
                        CreatedAt = createdAt.AddSeconds(m * 10), Status = MessageStatus.Complete,
                    });
                }
            }
            await db.SaveChangesAsync();
        }
        await using (var scope = parley.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDb>();
            // Fresh statistics, as autovacuum would have them after such a load.
            await db.Database.ExecuteSqlRawAsync(db.Database.IsNpgsql() ? "ANALYZE" : "ANALYZE; PRAGMA optimize;");
        }
    }

    static IEnumerable<DatabaseKind> Databases() =>
        Environment.GetEnvironmentVariable("PARLEY_BENCH_POSTGRES") == "0" ? [DatabaseKind.Sqlite] : [DatabaseKind.Sqlite, DatabaseKind.Postgres];
}
