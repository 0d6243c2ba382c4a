using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Parley.Admin;
using Parley.OperatorConsole;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Tests.Hosting;

/// <summary>
/// The whole output of a real Parley process started from another folder (so no appsettings.json is found and only the
/// defaults in code apply), after a whole conversation and an operator's hub connection: no key in it, at any level.
/// </summary>
public sealed class LogRedactionTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public const string DefaultLogging = "default";
    public const string TraceWithScopes = "trace with scopes";
    public const string TraceAsJson = "trace as JSON with scopes";

    [Theory]
    [InlineData(DefaultLogging)]
    [InlineData(TraceWithScopes)]
    [InlineData(TraceAsJson)]
    public async Task No_access_admin_or_provider_key_reaches_the_output_of_a_whole_conversation(string logging)
    {
        await using var upstream = await TestUpstream.StartAsync();
        var folder = Directory.CreateTempSubdirectory("parley-log-");
        var adminKey = "pak_" + RandomNumberGenerator.GetString(Secrets.KeyAlphabet, 48);
        const string providerKey = "sk-provider-key-for-the-log-test-7f3a9c";
        try
        {
            await using var parley = await ParleyProcess.StartAsync(folder.FullName, Environment(logging, adminKey));
            using var admin = new HttpClient { BaseAddress = parley.BaseAddress };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            using var anonymous = new HttpClient { BaseAddress = parley.BaseAddress };

            var gateway = await PostDataAsync(admin, "/api/v1/ai-gateways", new
            {
                name = "Logged gateway",
                parameters = new { baseAddress = upstream.BaseAddress, apiKey = providerKey, modelName = "gpt-4o-mini" },
            });
            var client = await PostDataAsync(admin, "/api/v1/web-chat-client", new { name = "Logged client", aiGatewayId = gateway.GetProperty("id").GetGuid() });
            var session = await PostDataAsync(admin, $"/api/v1/web-chat-client/{client.GetProperty("id").GetGuid()}/sessions", new { });
            var accessKey = session.GetProperty("accessKey").GetString()!;
            var sessionId = session.GetProperty("sessionId").GetGuid();

            // The key travels in the query only (the .NET client would put an AccessTokenProvider's token in a header).
            await using var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(parley.BaseAddress, $"/hubs/sessions?access_token={Uri.EscapeDataString(adminKey)}"), HttpTransportType.WebSockets)
                .Build();
            var completed = new TaskCompletionSource<SessionEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            hub.On<SessionEvent>(SessionEvents.Method, e => { if (e.Kind == "reply-completed") completed.TrySetResult(e); });
            await hub.StartAsync(Ct);
            await hub.InvokeAsync("Watch", sessionId, Ct);

            upstream.Enqueue(ScriptedReply.Text("Nothing", " secret", " here") with { TokenDelay = TimeSpan.FromMilliseconds(200) });
            var sending = SendAsync(anonymous, accessKey, "hello");
            await upstream.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
            using var follow = await anonymous.GetAsync($"/api/v1/chat/{accessKey}/reply", HttpCompletionOption.ResponseHeadersRead, Ct);
            var followed = await SseResponse.ReadAsync(follow, Ct);
            var sent = await sending;
            Assert.Equal("Nothing secret here", sent.Text);
            Assert.Equal("done", followed.Last.Type);
            Assert.Equal(sessionId, (await completed.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct)).SessionId);
            Assert.Equal($"Bearer {providerKey}", upstream.Requests[^1].Authorization);

            foreach (var path in new[] { $"/api/v1/chat/{accessKey}", $"/api/v1/chat/{accessKey}/transcript", $"/chat/{accessKey}" })
            {
                using var response = await anonymous.GetAsync(path, Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            var unknownKey = "wky_" + RandomNumberGenerator.GetString(Secrets.KeyAlphabet, 56);
            using (var unknown = await anonymous.GetAsync($"/api/v1/chat/{unknownKey}", Ct))
                Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

            await hub.StopAsync(Ct);
            await parley.TerminateAsync(TimeSpan.FromSeconds(30));

            var output = parley.Output;
            foreach (var secret in new[] { accessKey, unknownKey, adminKey, providerKey }) Assert.DoesNotContain(secret, output);
            if (logging == DefaultLogging)
            {
                Assert.DoesNotContain("Request starting", output);
                Assert.DoesNotContain(accessKey[..8], output);
            }
            else
            {
                // The framework's request lines and scopes were written, with the keys shortened in them.
                Assert.Contains("Request starting", output);
                Assert.Contains("RequestPath", output);
                Assert.Matches($@"{accessKey[..8]}(…|\\u2026)", output);
                Assert.Contains("access_token=[redacted]", output);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    static Dictionary<string, string> Environment(string logging, string adminKey)
    {
        var environment = new Dictionary<string, string> { ["PARLEY_ADMIN_KEY"] = adminKey };
        if (logging == DefaultLogging) return environment;

        environment["Logging__LogLevel__Default"] = "Trace";
        environment["Logging__Console__FormatterName"] = logging == TraceAsJson ? "json" : "simple";
        environment["Logging__Console__FormatterOptions__IncludeScopes"] = "true";
        return environment;
    }

    static async Task<JsonElement> PostDataAsync(HttpClient admin, string path, object body)
    {
        using var response = await admin.PostAsJsonAsync(path, body, Ct);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.IsSuccessStatusCode, $"POST {path} answered {(int)response.StatusCode}: {json}");
        return json.GetProperty("data");
    }

    static async Task<SseResponse> SendAsync(HttpClient http, string accessKey, string content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/chat/{accessKey}/messages") { Content = JsonContent.Create(new { content }) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        return await SseResponse.ReadAsync(response, Ct);
    }
}
