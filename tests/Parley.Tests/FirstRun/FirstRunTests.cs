using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Tests.FirstRun;

/// <summary>
/// Parley started the way the README starts it: its own process, an empty data folder, settings from the environment.
/// </summary>
public sealed partial class FirstRunTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task First_run_prints_the_addresses_creates_an_admin_key_and_with_a_provider_in_the_environment_a_ready_conversation()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var folder = Directory.CreateTempSubdirectory("parley-first-run-");
        try
        {
            await using var parley = await ParleyProcess.StartAsync(folder.FullName, new()
            {
                ["OPENAI_API_KEY"] = "sk-from-the-environment-42",
                ["OPENAI_BASE_URL"] = upstream.BaseAddress,
                ["OPENAI_MODEL"] = "gpt-4o-mini",
            });

            var output = parley.Output;
            Assert.Matches(@"Parley is running at http://127\.0\.0\.1:\d+", output);
            Assert.Contains("/docs", output);
            var adminKey = AdminKeyLine().Match(output).Groups[1].Value;
            var talkUrl = TalkUrlLine().Match(output).Groups[1].Value;
            Assert.NotEmpty(adminKey);
            Assert.NotEmpty(talkUrl);
            Assert.True(File.Exists(Path.Combine(folder.FullName, "data", "parley.db")));
            // Started from its own folder, Parley says where it looked for its settings and where its database is.
            Assert.Contains($"Configuration files:  {Path.Combine(folder.FullName, "appsettings.json")} (not found)", output);
            Assert.Contains($"Database:             SQLite file {Path.Combine(folder.FullName, "data", "parley.db")}", output);
            Assert.Contains($"Database: SQLite file {Path.Combine(folder.FullName, "data", "parley.db")}", output);

            using var http = new HttpClient { BaseAddress = parley.BaseAddress };
            using var unauthorized = await http.GetAsync("/api/v1/ai-gateways", Ct);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, unauthorized.StatusCode);

            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            var gateways = await http.GetFromJsonAsync<JsonElement>("/api/v1/ai-gateways", Ct);
            var gateway = gateways.GetProperty("data")[0];
            Assert.Equal(upstream.BaseAddress, gateway.GetProperty("parameters").GetProperty("baseAddress").GetString());
            Assert.DoesNotContain("sk-from-the-environment-42", gateways.GetRawText());
            Assert.DoesNotContain("sk-from-the-environment-42", output);

            upstream.Enqueue(ScriptedReply.Text("Hi from the first run"));
            var accessKey = talkUrl[(talkUrl.LastIndexOf('/') + 1)..];
            using var response = await http.PostAsJsonAsync($"/api/v1/chat/{accessKey}/messages", new { content = "hello" }, Ct);
            var reply = await SseResponse.ReadAsync(response, Ct);
            Assert.Equal("Hi from the first run", reply.Text);
            Assert.Equal("Bearer sk-from-the-environment-42", upstream.Requests[^1].Authorization);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Second_run_keeps_the_first_admin_key_and_does_not_show_it_again()
    {
        var folder = Directory.CreateTempSubdirectory("parley-second-run-");
        try
        {
            string adminKey;
            await using (var first = await ParleyProcess.StartAsync(folder.FullName, []))
            {
                adminKey = AdminKeyLine().Match(first.Output).Groups[1].Value;
                Assert.StartsWith("pak_", adminKey);
            }

            await using var second = await ParleyProcess.StartAsync(folder.FullName, []);
            Assert.DoesNotContain(adminKey, second.Output);
            Assert.Contains("the one shown on the first run", second.Output);
            using var http = new HttpClient { BaseAddress = second.BaseAddress };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            using var response = await http.GetAsync("/api/v1/web-chat-client", Ct);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"Admin key \(shown once, store it now\): (\S+)")]
    private static partial Regex AdminKeyLine();

    [GeneratedRegex(@"Talk to your assistant: (\S+)")]
    private static partial Regex TalkUrlLine();
}
