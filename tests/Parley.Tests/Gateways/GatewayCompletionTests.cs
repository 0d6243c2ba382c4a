using System.ClientModel;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using Parley.Tests.Hosting;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Tests.Gateways;

/// <summary>Completions straight through a gateway: the operator's test endpoint and the OpenAI-compatible relay.</summary>
public abstract class GatewayCompletionTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static readonly object[] Hi = [new { role = "user", content = "hi" }];

    [Fact]
    public async Task Inference_streams_delta_events_then_done_with_provider_usage_after_the_system_instruction()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await CreateGatewayAsync(parley);
        parley.Upstream.Enqueue(ScriptedReply.Text("Hel", "lo") with { Usage = (7, 2) });

        var reply = await InferAsync(parley, gateway);

        Assert.Equal(["delta", "delta", "done"], reply.Types);
        Assert.Equal("Hello", reply.Text);
        var usage = reply.Last.Data.GetProperty("usage");
        Assert.Equal((7, 2, "provider"), (usage.GetProperty("inputTokens").GetInt32(), usage.GetProperty("outputTokens").GetInt32(), usage.GetProperty("source").GetString()));
        var sent = Assert.Single(parley.Upstream.Requests);
        Assert.Equal([("system", "House rules."), ("user", "hi")], sent.Messages);
        Assert.Equal("gpt-4o-mini", sent.Model);
    }

    [Fact]
    public async Task Inference_reports_provider_unavailable_once_the_retries_fail_and_404s_an_unknown_gateway()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await CreateGatewayAsync(parley);
        parley.Upstream.Enqueue(ScriptedReply.Error(500) with { RetryAfter = TimeSpan.Zero });
        parley.Upstream.Enqueue(ScriptedReply.Error(500) with { RetryAfter = TimeSpan.Zero });

        var reply = await InferAsync(parley, gateway);

        Assert.Equal(["error"], reply.Types);
        Assert.Equal("provider_unavailable", reply.Last.Data.GetProperty("code").GetString());
        Assert.Equal(2, parley.Upstream.Requests.Count);

        using var unknown = await OpenInferenceAsync(parley, Guid.NewGuid());
        await ApiAssert.ProblemAsync(unknown, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Relay_passes_a_non_streaming_answer_through_with_usage()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await CreateGatewayAsync(parley);
        parley.Upstream.Enqueue(ScriptedReply.Text("Fine, ", "thanks") with { Usage = (9, 4) });

        using var response = await parley.Admin.PostAsJsonAsync("/v1/chat/completions", new { model = gateway, messages = Hi }, Ct);
        var completion = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chat.completion", completion.GetProperty("object").GetString());
        Assert.Equal("Fine, thanks", completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(13, completion.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        var sent = Assert.Single(parley.Upstream.Requests);
        Assert.Equal("gpt-4o-mini", sent.Model);
        Assert.Equal("Bearer sk-upstream-secret-123456", sent.Authorization);
    }

    [Fact]
    public async Task Relay_streams_chunks_through_with_the_gateway_model_instruction_temperature_and_usage_applied()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await CreateGatewayAsync(parley);
        parley.Upstream.Enqueue(ScriptedReply.Text("A", "B", "C") with { Usage = (5, 3) });

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = gateway, stream = true, temperature = 1.9, messages = Hi }),
        };
        using var response = await parley.Admin.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        var data = new List<string>();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(Ct)).EnumerateAsync(Ct))
            data.Add(item.Data);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("[DONE]", data[^1]);
        var chunks = data.SkipLast(1).Select(d => JsonDocument.Parse(d).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        var text = string.Concat(chunks
            .Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Select(d => d.TryGetProperty("content", out var content) ? content.GetString() : ""));
        Assert.Equal("ABC", text);
        Assert.Equal(8, chunks[^1].GetProperty("usage").GetProperty("total_tokens").GetInt32());

        var sent = Assert.Single(parley.Upstream.Requests);
        Assert.Equal("gpt-4o-mini", sent.Model);
        Assert.Equal([("system", "House rules."), ("user", "hi")], sent.Messages);
        Assert.Equal(0.3, sent.Body.GetProperty("temperature").GetDouble(), 3);
        Assert.True(sent.Body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }

    [Theory]
    [InlineData("gpt-4o-mini")]
    [InlineData("0197a5c2-7b1e-7000-8000-000000000000")]
    public async Task Relay_answers_an_unknown_model_with_an_openai_style_404(string model)
    {
        await using var parley = await TestParley.StartAsync(kind);
        await CreateGatewayAsync(parley);

        using var response = await parley.Admin.PostAsJsonAsync("/v1/chat/completions", new { model, messages = Hi }, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("model_not_found", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Empty(parley.Upstream.Requests);
    }

    [Fact]
    public async Task OpenAI_sdk_streams_a_reply_through_the_relay()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await CreateGatewayAsync(parley);
        parley.Upstream.Enqueue(ScriptedReply.Text("Hel", "lo", "!") with { Usage = (6, 3) });
        var chat = new ChatClient(model: gateway.ToString(), credential: new ApiKeyCredential(TestParley.AdminKey),
            options: new OpenAIClientOptions { Endpoint = new Uri(parley.BaseAddress, "/v1") });

        var text = "";
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: Ct))
        {
            text += string.Concat(update.ContentUpdate.Select(p => p.Text));
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal("Hello!", text);
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.Equal((6, 3), (usage?.InputTokenCount, usage?.OutputTokenCount));
        Assert.Equal("gpt-4o-mini", Assert.Single(parley.Upstream.Requests).Model);
    }

    [Fact]
    public async Task Inference_stream_that_ends_before_the_provider_finished_ends_with_an_error()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await CreateGatewayAsync(parley);
        parley.Upstream.Enqueue(ScriptedReply.Text("Hel", "lo", " there") with { EndAfterTokens = 1 });

        var reply = await InferAsync(parley, gateway);

        Assert.Equal(["delta", "error"], reply.Types);
        Assert.Equal("provider_connection_lost", reply.Last.Data.GetProperty("code").GetString());
        Assert.True(reply.Last.Data.GetProperty("retryable").GetBoolean());
    }

    [Fact]
    public async Task Inference_reports_a_provider_answering_200_with_a_web_page_as_a_bad_response()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await CreateGatewayAsync(parley);
        parley.Upstream.Enqueue(ScriptedReply.Raw("text/html", "<html><body>Sign in to the proxy</body></html>"));

        var reply = await InferAsync(parley, gateway);

        Assert.Equal(["error"], reply.Types);
        Assert.Equal("provider_bad_response", reply.Last.Data.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Gateway_without_an_api_key_sends_no_authorization_header_on_any_path()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await parley.CreateGatewayAsync(new { baseAddress = parley.Upstream.BaseAddress, modelName = "llama3.1:8b" });
        var session = await parley.CreateSessionAsync(await parley.CreateChatClientAsync(gateway));

        var conversation = await parley.SendAsync(session.AccessKey, "hi", Ct);
        var inference = await InferAsync(parley, gateway);
        using var relayed = await parley.Admin.PostAsJsonAsync("/v1/chat/completions", new { model = gateway, messages = Hi }, Ct);

        Assert.Equal(("done", "done", HttpStatusCode.OK), (conversation.Last.Type, inference.Last.Type, relayed.StatusCode));
        Assert.Equal(3, parley.Upstream.Requests.Count);
        Assert.All(parley.Upstream.Requests, r => Assert.Null(r.Authorization));
    }

    [Theory]
    [InlineData(false, "text/html; charset=utf-8", "<html><body><h1>502 Bad Gateway</h1></body></html>")]
    [InlineData(false, null, "")]
    [InlineData(false, "application/json", "{\"object\":\"list\",\"data\":[]}")]
    [InlineData(true, "text/html", "<html><body>Maintenance</body></html>")]
    [InlineData(true, "application/json", "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[]}")]
    public async Task Relay_answers_502_provider_bad_response_when_the_provider_answers_200_with_something_else(
        bool stream, string? contentType, string body)
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await CreateGatewayAsync(parley);
        parley.Upstream.Enqueue(ScriptedReply.Raw(contentType, body));

        using var response = await parley.Admin.PostAsJsonAsync("/v1/chat/completions", new { model = gateway, stream, messages = Hi }, Ct);

        var error = await OpenAiAssert.ErrorAsync(response, HttpStatusCode.BadGateway, "provider_bad_response");
        Assert.Equal("api_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Relay_answers_502_provider_unreachable_after_one_connect_timeout_when_the_provider_accepts_no_connection()
    {
        await using var parley = await TestParley.StartAsync(kind, "--Providers:ConnectTimeoutSeconds=2");
        using var silent = await UnansweredPort.OpenAsync();
        var gateway = await parley.CreateGatewayAsync(new { baseAddress = silent.BaseAddress, modelName = "gpt-4o-mini" });

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var response = await parley.Admin.PostAsJsonAsync("/v1/chat/completions", new { model = gateway, messages = Hi }, Ct);
        clock.Stop();

        await OpenAiAssert.ErrorAsync(response, HttpStatusCode.BadGateway, "provider_unreachable");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"the error came after {clock.Elapsed}");
    }

    [Fact]
    public async Task Relay_cuts_its_stream_off_when_the_providers_stream_ends_before_done()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await CreateGatewayAsync(parley);
        // The pause lets the first chunks reach the caller before the cut; an abort drops what is still unsent.
        parley.Upstream.Enqueue(ScriptedReply.Text("A", "B", "C") with { EndAfterTokens = 2, TokenDelay = TimeSpan.FromMilliseconds(500) });

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = gateway, stream = true, messages = Hi }),
        };
        using var response = await parley.Admin.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        var data = new List<string>();

        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(Ct)).EnumerateAsync(Ct))
                data.Add(item.Data);
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(data);
        Assert.DoesNotContain("[DONE]", data);
    }

    [Fact]
    public async Task OpenAI_sdk_gets_a_whole_reply_through_the_relay()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await CreateGatewayAsync(parley);
        parley.Upstream.Enqueue(ScriptedReply.Text("Fine, ", "thanks") with { Usage = (9, 4) });
        var chat = new ChatClient(model: gateway.ToString(), credential: new ApiKeyCredential(TestParley.AdminKey),
            options: new OpenAIClientOptions { Endpoint = new Uri(parley.BaseAddress, "/v1") });

        var completion = (await chat.CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct)).Value;

        Assert.Equal("Fine, thanks", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal((9, 4), (completion.Usage.InputTokenCount, completion.Usage.OutputTokenCount));
    }

    static Task<Guid> CreateGatewayAsync(TestParley parley) => parley.CreateGatewayAsync(new
    {
        baseAddress = parley.Upstream.BaseAddress,
        apiKey = "sk-upstream-secret-123456",
        modelName = "gpt-4o-mini",
        systemInstruction = "House rules.",
        temperature = 0.3,
    });

    static Task<HttpResponseMessage> OpenInferenceAsync(TestParley parley, Guid gateway)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/ai-gateways/{gateway}/inference")
        {
            Content = JsonContent.Create(new { messages = Hi }),
        };
        return parley.Admin.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
    }

    static async Task<SseResponse> InferAsync(TestParley parley, Guid gateway)
    {
        using var response = await OpenInferenceAsync(parley, gateway);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await SseResponse.ReadAsync(response, Ct);
    }
}

public sealed class GatewayCompletionOnSqlite() : GatewayCompletionTests(DatabaseKind.Sqlite);

public sealed class GatewayCompletionOnPostgres() : GatewayCompletionTests(DatabaseKind.Postgres);
