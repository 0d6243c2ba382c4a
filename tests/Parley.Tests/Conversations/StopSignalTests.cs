using System.Net.Http.Headers;
using System.Text.Json;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Tests.Conversations;

/// <summary>Parley as its own process, stopped the way a service manager or a container runtime stops it.</summary>
public sealed class StopSignalTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sigterm_ends_an_open_stream_with_server_stopping_and_the_process_exits_after_the_grace_period()
    {
        const int grace = 2;
        await using var upstream = await TestUpstream.StartAsync();
        upstream.Enqueue(ScriptedReply.Text([.. Enumerable.Range(1, 100).Select(i => $"part{i} ")]) with
        {
            TokenDelay = TimeSpan.FromMilliseconds(200),
        });
        var folder = Directory.CreateTempSubdirectory("parley-sigterm-");
        try
        {
            await using var parley = await ParleyProcess.StartAsync(folder.FullName, new()
            {
                ["PARLEY_ADMIN_KEY"] = TestParley.AdminKey,
                ["Parley__ShutdownGraceSeconds"] = grace.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            using var http = new HttpClient { BaseAddress = parley.BaseAddress };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestParley.AdminKey);
            var gateway = await IdOfAsync(http, "/api/v1/ai-gateways", new
            {
                name = "Test gateway",
                parameters = new { baseAddress = upstream.BaseAddress, modelName = "gpt-4o-mini" },
            });
            var client = await IdOfAsync(http, "/api/v1/web-chat-client", new { name = "Test client", aiGatewayId = gateway });
            using var created = await http.PostAsJsonAsync($"/api/v1/web-chat-client/{client}/sessions", new { }, Ct);
            var accessKey = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("data").GetProperty("accessKey").GetString();

            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/chat/{accessKey}/messages")
            {
                Content = JsonContent.Create(new { content = "a long story" }),
            };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
            var events = new List<SseEvent>();
            Task<TimeSpan>? stopped = null;
            await foreach (var item in SseResponse.ReadEventsAsync(response, Ct))
            {
                events.Add(item);
                if (events.Count == 2) stopped = parley.TerminateAsync(TimeSpan.FromSeconds(60));
            }

            Assert.NotNull(stopped);
            var took = await stopped;
            Assert.Equal("error", events[^1].Type);
            Assert.Equal("server_stopping", events[^1].Data.GetProperty("code").GetString());
            Assert.True(events[^1].Data.GetProperty("retryable").GetBoolean());
            Assert.True(events.Count(e => e.Type == "delta") < 100, "the reply was not cut off");
            Assert.True(took < TimeSpan.FromSeconds(grace + 10), $"Parley took {took} to exit:\n{parley.Output}");
            Assert.Equal(0, parley.ExitCode);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    static async Task<Guid> IdOfAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body, Ct);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {json}");
        return json.GetProperty("data").GetProperty("id").GetGuid();
    }
}
