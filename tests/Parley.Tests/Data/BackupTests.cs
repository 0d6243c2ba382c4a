using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Npgsql;
using Parley.Testing;
using Parley.Testing.Upstream;
using Parley.Tests.Hosting;

namespace Parley.Tests.Data;

/// <summary>
/// Backing up a running instance and starting another from the copy, as docs/deployment.md tells: the conversations,
/// the usage and the provider keys (with the key ring that decrypts them) all come back.
/// </summary>
public sealed class BackupTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_sqlite_backup_taken_while_users_talk_restores_everything_that_was_said()
    {
        await using var original = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var session = await ConverseAsync(original);
        // A reply still being written when the copy is taken: the copy has what was saved of it.
        var halfWay = ScriptedReply.Text("Still ", "thinking ", "about ", "it.") with { HoldAfterTokens = 1 };
        original.Upstream.Enqueue(halfWay);
        using var running = await original.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/messages", new { content = "And the third?" }, Ct);
        await using (var events = SseResponse.ReadEventsAsync(running, Ct).GetAsyncEnumerator(Ct))
            Assert.True(await events.MoveNextAsync());

        using var backup = await original.Admin.GetAsync("/api/v1/backup", Ct);
        halfWay.Release.SetResult();
        Assert.Equal(HttpStatusCode.OK, backup.StatusCode);
        Assert.Equal("application/vnd.sqlite3", backup.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(".db", backup.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        var bytes = await backup.Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal("SQLite format 3\0"u8.ToArray(), bytes[..16]);
        Assert.Empty(Directory.EnumerateFiles(original.Database.SqliteDirectory!, "*.tmp"));

        var restoredFolder = Directory.CreateTempSubdirectory("parley-restored-");
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(restoredFolder.FullName, "parley.db"), bytes, Ct);
            await using var restored = await TestParley.StartAsync(DatabaseKind.Sqlite, $"--Parley:DataDirectory={restoredFolder.FullName}");
            await AssertRestoredAsync(original, restored, session, halfWrittenReply: true);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            restoredFolder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_postgres_instance_is_backed_up_with_pg_dump_and_restored_with_psql()
    {
        await using var original = await TestParley.StartAsync(DatabaseKind.Postgres);
        var session = await ConverseAsync(original);
        using var refused = await original.Admin.GetAsync("/api/v1/backup", Ct);
        await ApiAssert.ProblemAsync(refused, HttpStatusCode.Conflict, "backup_by_pg_dump");

        var source = new NpgsqlConnectionStringBuilder(original.Database.ConnectionString);
        var dump = Path.GetTempFileName();
        await using var target = TestDatabase.Create(DatabaseKind.Postgres);
        try
        {
            await RunAsync("pg_dump", source, source.Database!, "--no-owner", "--file", dump);
            var restoredName = new NpgsqlConnectionStringBuilder(target.ConnectionString).Database!;
            await using (var server = new NpgsqlConnection(original.Database.ConnectionString))
            {
                await server.OpenAsync(Ct);
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{restoredName}\"", server);
                await create.ExecuteNonQueryAsync(Ct);
            }
            await RunAsync("psql", source, restoredName, "--quiet", "--set", "ON_ERROR_STOP=1", "--file", dump);

            await using var restored = await TestParley.StartAsync(DatabaseKind.Postgres, $"--Database:ConnectionString={target.ConnectionString}");
            await AssertRestoredAsync(original, restored, session, halfWrittenReply: false);
        }
        finally
        {
            File.Delete(dump);
        }
    }

    static async Task<CreatedSession> ConverseAsync(TestParley parley)
    {
        var session = await parley.CreateSessionAsync(null, new { tag = "kept-user" });
        parley.Upstream.Enqueue(ScriptedReply.Text("The first answer."));
        await parley.SendAsync(session.AccessKey, "The first question", Ct);
        parley.Upstream.Enqueue(ScriptedReply.Text("The second answer."));
        await parley.SendAsync(session.AccessKey, "The second question", Ct);
        return session;
    }

    static async Task AssertRestoredAsync(TestParley original, TestParley restored, CreatedSession session, bool halfWrittenReply)
    {
        var view = (await restored.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct)).GetProperty("data");
        var said = view.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()).ToList();
        Assert.Equal(["The first question", "The first answer.", "The second question", "The second answer."], said[..4]);
        if (halfWrittenReply)
        {
            Assert.Equal("And the third?", said[4]);
            Assert.Equal("incomplete", view.GetProperty("messages")[5].GetProperty("status").GetString());
        }
        Assert.Equal(24, view.GetProperty("usage").GetProperty("inputTokens").GetInt64() + view.GetProperty("usage").GetProperty("outputTokens").GetInt64());

        // The provider key decrypts on the restored instance: its gateway still reaches the original's upstream with it.
        var asked = original.Upstream.Requests.Count;
        original.Upstream.Enqueue(ScriptedReply.Text("Back from the backup."));
        var next = await restored.SendAsync(session.AccessKey, halfWrittenReply ? "Try again" : "And the third?", Ct);
        Assert.Equal("Back from the backup.", next.Text);
        Assert.Equal("Bearer sk-upstream-secret-123456", original.Upstream.Requests[asked].Authorization);
    }

    static async Task RunAsync(string tool, NpgsqlConnectionStringBuilder server, string database, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool, ["--host", server.Host!, "--port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--username", server.Username!, "--dbname", database, .. arguments])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["PGPASSWORD"] = server.Password;
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync(Ct);
        await process.StandardOutput.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, $"{tool} failed: {await errors}");
    }
}
