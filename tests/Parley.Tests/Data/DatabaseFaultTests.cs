using System.Data.Common;
using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Parley.Data;
using Parley.Testing;
using Parley.Testing.Upstream;
using Parley.Tests.Hosting;

namespace Parley.Tests.Data;

/// <summary>
/// The database failing under a running Parley: PostgreSQL out of reach for a while, SQLite out of room. Requests
/// fail with a clear answer, nothing is half-written, and once the database is back the conversation goes on.
/// </summary>
public sealed class DatabaseFaultTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task While_postgres_is_out_of_reach_requests_answer_503_and_afterwards_nothing_was_half_written()
    {
        await using var database = TestDatabase.Create(DatabaseKind.Postgres);
        var direct = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        await using var relay = TcpRelay.Start(direct.Host!, direct.Port);
        var throughRelay = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = relay.Port, Timeout = 3 };
        await using var parley = await TestParley.StartAsync(DatabaseKind.Postgres, $"--Database:ConnectionString={throughRelay}");
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("Before the outage."));
        await parley.SendAsync(session.AccessKey, "one", Ct);

        await relay.CutAsync();
        var view = await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}", Ct);
        var problem = await ApiAssert.ProblemAsync(view, HttpStatusCode.ServiceUnavailable, DatabaseUnavailableHandler.Unavailable);
        Assert.Equal("5", ApiAssert.Header(view, "Retry-After"));
        Assert.Contains("cannot reach its database", problem.GetProperty("message").GetString(), StringComparison.Ordinal);
        var during = await parley.SendAsync(session.AccessKey, "two, during the outage", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.Status);
        Assert.Equal(DatabaseUnavailableHandler.Unavailable, during.ProblemCode);
        using var readiness = await parley.Anonymous.GetAsync("/readyz", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.StatusCode);

        relay.Mend();
        var messages = await MessagesAfterOutageAsync(parley, session);
        Assert.Equal(["one", "Before the outage."], messages);
        parley.Upstream.Enqueue(ScriptedReply.Text("After the outage."));
        Assert.Equal("After the outage.", (await parley.SendAsync(session.AccessKey, "three", Ct)).Text);
        Assert.Equal(2, parley.Upstream.Requests.Count);
    }

    [Fact]
    public async Task A_full_disk_under_sqlite_refuses_the_message_clearly_and_leaves_the_database_sound()
    {
        var disk = new DiskRoom();
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite,
            services => services.ConfigureDbContext<SqliteAppDb>(options => options.AddInterceptors(disk)));
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("Stored."));
        await parley.SendAsync(session.AccessKey, "a short question", Ct);

        disk.Full = true;
        SqliteConnection.ClearAllPools();
        // A message too long to fit in the pages the database already has.
        var refused = await parley.SendAsync(session.AccessKey, new string('x', 90_000), Ct);
        Assert.Equal("error", refused.Last.Type);
        Assert.Equal("storage_failed", refused.Last.Data.GetProperty("code").GetString());
        Assert.Equal("The message could not be saved. Please try again.", refused.Last.Data.GetProperty("message").GetString());

        disk.Full = false;
        SqliteConnection.ClearAllPools();
        var after = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct)).GetProperty("data");
        Assert.Equal(["a short question", "Stored."], after.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
        parley.Upstream.Enqueue(ScriptedReply.Text("Room again."));
        Assert.Equal("Room again.", (await parley.SendAsync(session.AccessKey, "and now?", Ct)).Text);

        await using var scope = parley.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        Assert.Equal(["ok"], await db.Database.SqlQueryRaw<string>("PRAGMA integrity_check").ToListAsync(Ct));
    }

    static async Task<List<string?>> MessagesAfterOutageAsync(TestParley parley, CreatedSession session)
    {
        // Connections the cut left broken in the pool are found out and replaced on first use.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            using var response = await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}", Ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var data = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("data");
                return [.. data.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString())];
            }
            Assert.True(DateTime.UtcNow < deadline, $"The session was still unreadable after the database came back: {(int)response.StatusCode}.");
            await Task.Delay(200, Ct);
        }
    }

    /// <summary>
    /// SQLite as on a disk with no room left: every connection Parley opens may not grow the database past the pages it
    /// has (max_page_count), so a write that needs a new page fails with SQLITE_FULL, as on a full disk.
    /// </summary>
    sealed class DiskRoom : DbConnectionInterceptor
    {
        public volatile bool Full;

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        void Apply(DbConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA page_count";
            var pages = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            command.CommandText = $"PRAGMA max_page_count = {(Full ? pages : 4_294_967_294)}";
            command.ExecuteNonQuery();
        }
    }
}
