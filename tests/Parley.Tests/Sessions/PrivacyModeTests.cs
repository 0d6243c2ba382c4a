using System.Net;
using System.Text;
using System.Text.Json;
using Npgsql;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Tests.Sessions;

/// <summary>
/// A chat client in privacy mode: the conversation goes on from memory, and what was said never reaches the database,
/// the logs or the operators' exports; only counts and usage are stored.
/// </summary>
public abstract class PrivacyModeTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    const string UserSecret = "PURPLE-ELEPHANT-7731";
    const string ReplySecret = "PINK-GIRAFFE-4402";
    const string ReasoningSecret = "GREEN-OTTER-5519";
    const string CommentSecret = "BLUE-ZEBRA-8120";
    static readonly string[] Secrets = [UserSecret, ReplySecret, ReasoningSecret, CommentSecret];

    [Fact]
    public async Task What_is_said_never_reaches_the_database_logs_or_exports_yet_the_conversation_goes_on()
    {
        await using var parley = await TestParley.StartAsync(kind, "--Logging:LogLevel:Default=Debug", "--Logging:LogLevel:Parley=Debug",
            "--Logging:LogLevel:Microsoft.AspNetCore=Debug", "--Logging:LogLevel:Microsoft.EntityFrameworkCore=Debug");
        var clientId = await parley.CreateChatClientAsync(clientParameters: new { privacyMode = true });
        var session = await parley.CreateSessionAsync(clientId, new { tag = "private-user" });

        parley.Upstream.Enqueue(ScriptedReply.Text("Noted: ", ReplySecret) with { ReasoningTokens = ["Thinking about ", ReasoningSecret] });
        var first = await parley.SendAsync(session.AccessKey, $"My code is {UserSecret}", Ct);
        Assert.Equal("done", first.Last.Type);
        parley.Upstream.Enqueue(ScriptedReply.Text("You told me before."));
        Assert.Equal("done", (await parley.SendAsync(session.AccessKey, "What was my code?", Ct)).Last.Type);

        // The model had the whole conversation, and the user sees it.
        var prompt = parley.Upstream.Requests[^1].Messages;
        Assert.Contains(prompt, m => m.Role == "user" && m.Content.Contains(UserSecret, StringComparison.Ordinal));
        Assert.Contains(prompt, m => m.Role == "assistant" && m.Content == "Noted: " + ReplySecret);
        var view = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct)).GetProperty("data");
        Assert.True(view.GetProperty("page").GetProperty("privacyMode").GetBoolean());
        var shown = view.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()).ToList();
        Assert.Equal([$"My code is {UserSecret}", "Noted: " + ReplySecret, "What was my code?", "You told me before."], shown);

        var replyId = view.GetProperty("messages")[1].GetProperty("id").GetGuid();
        using var rated = await parley.Anonymous.PostAsJsonAsync($"/api/v1/chat/{session.AccessKey}/messages/{replyId}/feedback",
            new { rating = "down", comment = $"Wrong, it was {CommentSecret}" }, Ct);
        Assert.Equal(HttpStatusCode.OK, rated.StatusCode);

        // Operators' reads of the stored session: the counts and the usage, no text.
        var path = $"/api/v1/web-chat-client/{clientId}/sessions/{session.SessionId}";
        var detail = (await parley.Admin.GetFromJsonAsync<JsonElement>(path, Ct)).GetProperty("data");
        Assert.Equal(4, detail.GetProperty("messages").GetArrayLength());
        Assert.All(detail.GetProperty("messages").EnumerateArray(), m => Assert.Equal("", m.GetProperty("content").GetString()));
        Assert.Equal("down", detail.GetProperty("messages")[1].GetProperty("feedback").GetProperty("rating").GetString());
        Assert.True(detail.GetProperty("inputTokens").GetInt64() > 0);
        var markdown = await parley.Admin.GetStringAsync($"{path}/transcript?format=md", Ct);
        Assert.Contains("Not stored: privacy mode.", markdown, StringComparison.Ordinal);
        var exports = markdown + await parley.Admin.GetStringAsync($"{path}/transcript?format=jsonl", Ct)
            + await parley.Admin.GetStringAsync($"/api/v1/web-chat-client/{clientId}/sessions", Ct);
        AssertNoSecret("the operators' exports", exports);

        var logs = parley.Logs;
        await parley.StopServerAsync();
        AssertNoSecret("the logs", string.Join('\n', logs.GetSnapshot().Select(r =>
            $"{r.Message} {r.Exception} {string.Join(' ', r.StructuredState?.Select(p => p.Value) ?? [])}")));
        AssertNoSecret("the database", await DatabaseTextAsync(parley.Database));
    }

    [Fact]
    public async Task After_a_restart_the_text_is_gone_but_the_counts_and_usage_stay_and_the_conversation_goes_on()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var clientId = await parley.CreateChatClientAsync(clientParameters: new { privacyMode = true });
        var session = await parley.CreateSessionAsync(clientId);
        parley.Upstream.Enqueue(ScriptedReply.Text(ReplySecret));
        await parley.SendAsync(session.AccessKey, UserSecret, Ct);

        await parley.RestartAsync();

        var view = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct)).GetProperty("data");
        Assert.Equal(["", ""], view.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
        Assert.True(view.GetProperty("usage").GetProperty("inputTokens").GetInt64() > 0);
        parley.Upstream.Enqueue(ScriptedReply.Text("Hello again."));
        var next = await parley.SendAsync(session.AccessKey, "Are you there?", Ct);
        Assert.Equal("Hello again.", next.Text);
        Assert.DoesNotContain(parley.Upstream.Requests[^1].Messages, m => m.Content.Contains(UserSecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Files_are_kept_like_the_text_only_while_the_session_lives_and_never_in_the_database_or_blob_store()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var clientId = await parley.CreateChatClientAsync(clientParameters: new { privacyMode = true, allowAttachments = true });
        var session = await parley.CreateSessionAsync(clientId);
        var bytes = Encoding.UTF8.GetBytes($"The vault code is {UserSecret}.");
        var name = $"{ReasoningSecret}.txt";

        using var sent = await parley.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/messages",
            new { content = "Read this", attachments = new[] { new { name, data = bytes } } }, Ct);
        Assert.Equal("done", (await SseResponse.ReadAsync(sent, Ct)).Last.Type);

        // The model reads it, the user sees it listed and can open it, while the session lives.
        Assert.Contains($@"File {name}:\nThe vault code is {UserSecret}.", parley.Upstream.Requests[^1].Body.GetRawText(), StringComparison.Ordinal);
        var view = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct)).GetProperty("data");
        var file = view.GetProperty("messages")[0].GetProperty("attachments")[0];
        Assert.Equal(name, file.GetProperty("name").GetString());
        var url = file.GetProperty("url").GetString();
        Assert.Equal(bytes, await parley.Anonymous.GetByteArrayAsync(url, Ct));
        Assert.Null(await parley.Services.GetRequiredService<Parley.Attachments.IBlobStore>().GetAsync(Parley.Attachments.Blobs.Sha256(bytes), Ct));

        // One instance keeps it in memory: after a restart the message says a file came, and nothing more.
        await parley.RestartAsync();
        view = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct)).GetProperty("data");
        Assert.False(view.GetProperty("messages")[0].TryGetProperty("attachments", out var left) && left.ValueKind == JsonValueKind.Array && left.GetArrayLength() > 0);
        using var gone = await parley.Anonymous.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);

        await parley.StopServerAsync();
        AssertNoSecret("the database and the blob folder", await DatabaseTextAsync(parley.Database));
    }

    [Fact]
    public async Task A_client_without_privacy_mode_keeps_its_conversations_as_before()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text(ReplySecret));
        await parley.SendAsync(session.AccessKey, UserSecret, Ct);
        await parley.StopServerAsync();
        Assert.Contains(UserSecret, await DatabaseTextAsync(parley.Database), StringComparison.Ordinal);
    }

    static void AssertNoSecret(string where, string text)
    {
        foreach (var secret in Secrets)
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{secret} was found in {where}.");
    }

    /// <summary>Everything the database holds, as text: the SQLite files byte for byte, or every row of every PostgreSQL table.</summary>
    static async Task<string> DatabaseTextAsync(TestDatabase database)
    {
        if (database.Kind == DatabaseKind.Sqlite)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            var text = new StringBuilder();
            foreach (var file in Directory.EnumerateFiles(database.SqliteDirectory!, "*", SearchOption.AllDirectories))
                text.Append(Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file, Ct)));
            return text.ToString();
        }
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'", connection))
        await using (var reader = await list.ExecuteReaderAsync(Ct))
            while (await reader.ReadAsync(Ct)) tables.Add(reader.GetString(0));
        var rows = new StringBuilder();
        foreach (var table in tables)
        {
            await using var dump = new NpgsqlCommand($"SELECT t::text FROM \"{table}\" t", connection);
            await using var reader = await dump.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct)) rows.AppendLine(reader.GetString(0));
        }
        return rows.ToString();
    }
}

public sealed class PrivacyModeOnSqlite() : PrivacyModeTests(DatabaseKind.Sqlite);

public sealed class PrivacyModeOnPostgres() : PrivacyModeTests(DatabaseKind.Postgres);
