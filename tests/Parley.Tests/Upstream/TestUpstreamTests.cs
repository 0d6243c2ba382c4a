using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

namespace Parley.Testing.Upstream;

public class TestUpstreamTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Streaming_tokens_arrive_as_separate_chunks_after_the_scripted_delays()
    {
        await using var upstream = await TestUpstream.StartAsync();
        upstream.Enqueue(ScriptedReply.Text("A", "B", "C") with
        {
            FirstTokenDelay = TimeSpan.FromMilliseconds(400),
            TokenDelay = TimeSpan.FromMilliseconds(300),
        });
        using var http = new HttpClient();

        using var response = await PostAsync(http, upstream, new { model = "m-1", stream = true, messages = Hi });
        var headersAt = Stopwatch.GetTimestamp();
        var chunks = new List<(JsonElement Chunk, long At)>();
        await foreach (var item in await ReadEventsAsync(response))
        {
            if (item.Data == "[DONE]")
                break;
            chunks.Add((JsonDocument.Parse(item.Data).RootElement, Stopwatch.GetTimestamp()));
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.Chunk.GetProperty("object").GetString()));
        Assert.All(chunks, c => Assert.Equal("m-1", c.Chunk.GetProperty("model").GetString()));
        Assert.Equal("assistant", Delta(chunks[0].Chunk).GetProperty("role").GetString());
        Assert.Equal(["", "A", "B", "C"], chunks.SkipLast(1).Select(c => Delta(c.Chunk).GetProperty("content").GetString()));
        Assert.Equal("stop", chunks[^1].Chunk.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        // Lower bounds only (a busy machine makes things later, never earlier), with slack for read scheduling.
        Assert.True(Stopwatch.GetElapsedTime(headersAt, chunks[1].At) >= TimeSpan.FromMilliseconds(250), "first token came with the headers");
        Assert.True(Stopwatch.GetElapsedTime(chunks[1].At, chunks[3].At) >= TimeSpan.FromMilliseconds(400), "tokens came together");
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task Usage_chunk_comes_last_only_when_requested_and_scripted(bool includeUsage, bool scripted)
    {
        await using var upstream = await TestUpstream.StartAsync();
        upstream.Enqueue(new ScriptedReply { Usage = scripted ? (7, 3) : null });
        using var http = new HttpClient();

        using var response = await PostAsync(http, upstream,
            new { model = "m", stream = true, stream_options = new { include_usage = includeUsage }, messages = Hi });
        var data = new List<string>();
        await foreach (var item in await ReadEventsAsync(response))
            data.Add(item.Data);

        Assert.Equal("[DONE]", data[^1]);
        var last = JsonDocument.Parse(data[^2]).RootElement;
        if (includeUsage && scripted)
        {
            Assert.Equal(0, last.GetProperty("choices").GetArrayLength());
            Assert.Equal(7, last.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
            Assert.Equal(3, last.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
            Assert.Equal(10, last.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        }
        else
        {
            Assert.Equal("stop", last.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
            Assert.DoesNotContain(data, d => d.Contains("prompt_tokens", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Non_streaming_reply_is_a_chat_completion_with_reasoning_and_usage()
    {
        await using var upstream = await TestUpstream.StartAsync();
        upstream.Enqueue(ScriptedReply.Text("Hel", "lo") with { ReasoningTokens = ["Think", "ing"], FinishReason = "length" });
        using var http = new HttpClient();

        using var response = await PostAsync(http, upstream, new { model = "m-2", messages = Hi });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.Equal("m-2", body.GetProperty("model").GetString());
        var choice = body.GetProperty("choices")[0];
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("Hello", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("Thinking", choice.GetProperty("message").GetProperty("reasoning_content").GetString());
        Assert.Equal(12, body.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Scripted_error_answers_with_its_status_retry_after_and_an_openai_error_body()
    {
        await using var upstream = await TestUpstream.StartAsync();
        upstream.Enqueue(ScriptedReply.Error(429, "Slow down") with { RetryAfter = TimeSpan.FromSeconds(2) });
        using var http = new HttpClient();

        using var response = await PostAsync(http, upstream, new { model = "m", stream = true, messages = Hi });
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("error");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
        Assert.Equal("Slow down", error.GetProperty("message").GetString());
        Assert.Equal("requests", error.GetProperty("type").GetString());
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Dropped_connection_makes_the_clients_read_fail_after_the_tokens_sent_so_far()
    {
        await using var upstream = await TestUpstream.StartAsync();
        upstream.Enqueue(ScriptedReply.Text("a", "b", "c", "d") with { DropAfterTokens = 2 });
        using var http = new HttpClient();

        using var response = await PostAsync(http, upstream, new { model = "m", stream = true, messages = Hi });
        var received = new List<string>();
        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            await foreach (var item in await ReadEventsAsync(response))
                received.Add(Delta(JsonDocument.Parse(item.Data).RootElement).GetProperty("content").GetString()!);
        });

        Assert.Equal(["", "a", "b"], received);
    }

    [Fact]
    public async Task Ended_stream_closes_cleanly_after_the_tokens_sent_so_far_with_no_finish_chunk_or_done()
    {
        await using var upstream = await TestUpstream.StartAsync();
        upstream.Enqueue(ScriptedReply.Text("a", "b", "c", "d") with { EndAfterTokens = 2 });
        using var http = new HttpClient();

        using var response = await PostAsync(http, upstream, new { model = "m", stream = true, messages = Hi });
        var data = new List<string>();
        await foreach (var item in await ReadEventsAsync(response))
            data.Add(item.Data);

        var chunks = data.Select(d => JsonDocument.Parse(d).RootElement).ToList();
        Assert.Equal(["", "a", "b"], chunks.Select(c => Delta(c).GetProperty("content").GetString()));
        Assert.All(chunks, c => Assert.Equal(JsonValueKind.Null, c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind));
    }

    [Fact]
    public async Task Stream_can_end_without_done_or_without_a_finish_reason()
    {
        await using var upstream = await TestUpstream.StartAsync();
        upstream.Enqueue(ScriptedReply.Text("a") with { OmitDone = true });
        upstream.Enqueue(ScriptedReply.Text("a") with { FinishReason = null });
        using var http = new HttpClient();

        var withoutDone = new List<string>();
        using (var response = await PostAsync(http, upstream, new { model = "m", stream = true, messages = Hi }))
            await foreach (var item in await ReadEventsAsync(response)) withoutDone.Add(item.Data);
        var withoutReason = new List<string>();
        using (var response = await PostAsync(http, upstream, new { model = "m", stream = true, messages = Hi }))
            await foreach (var item in await ReadEventsAsync(response)) withoutReason.Add(item.Data);

        Assert.DoesNotContain("[DONE]", withoutDone);
        Assert.Equal("stop", JsonDocument.Parse(withoutDone[^1]).RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal("[DONE]", withoutReason[^1]);
        Assert.DoesNotContain(withoutReason.SkipLast(1), d => JsonDocument.Parse(d).RootElement.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind != JsonValueKind.Null);
    }

    [Theory]
    [InlineData("text/html; charset=utf-8", "<html><body>Bad gateway</body></html>")]
    [InlineData(null, "")]
    public async Task Raw_reply_answers_200_with_exactly_the_scripted_body_and_content_type(string? contentType, string body)
    {
        await using var upstream = await TestUpstream.StartAsync();
        upstream.Enqueue(ScriptedReply.Raw(contentType, body));
        using var http = new HttpClient();

        using var response = await PostAsync(http, upstream, new { model = "m", stream = true, messages = Hi });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.ToString());
        Assert.Equal(body, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Unanswered_port_leaves_a_connect_waiting()
    {
        using var silent = await UnansweredPort.OpenAsync();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ConnectAsync(IPAddress.Loopback, silent.Port, wait.Token).AsTask());
    }

    [Fact]
    public async Task OpenAI_sdk_streams_the_scripted_text_and_usage()
    {
        await using var upstream = await TestUpstream.StartAsync();
        upstream.Enqueue(ScriptedReply.Text("Hel", "lo", "!") with { TokenDelay = TimeSpan.FromMilliseconds(20) });
        var chat = new ChatClient("gpt-test", new ApiKeyCredential("sk-test"), new OpenAIClientOptions { Endpoint = new Uri(upstream.BaseAddress) });

        var text = "";
        ChatTokenUsage? usage = null;
        OpenAI.Chat.ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Hi there")], cancellationToken: Ct))
        {
            text += string.Concat(update.ContentUpdate.Select(p => p.Text));
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal("Hello!", text);
        Assert.Equal(OpenAI.Chat.ChatFinishReason.Stop, finish);
        Assert.Equal((10, 2, 12), (usage?.InputTokenCount, usage?.OutputTokenCount, usage?.TotalTokenCount));
        var request = Assert.Single(upstream.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("Bearer sk-test", request.Authorization);
        Assert.Equal("gpt-test", request.Model);
        Assert.True(request.Stream);
        Assert.Equal([("user", "Hi there")], request.Messages);
    }

    [Fact]
    public async Task Unscripted_request_through_IChatClient_gets_an_echo_of_the_last_user_message()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var chat = new ChatClient("gpt-test", new ApiKeyCredential("sk-test"), new OpenAIClientOptions { Endpoint = new Uri(upstream.BaseAddress) })
            .AsIChatClient();

        var response = await chat.GetResponseAsync(
            [new(ChatRole.System, "Be brief"), new(ChatRole.User, "first"), new(ChatRole.Assistant, "ok"), new(ChatRole.User, "second")],
            cancellationToken: Ct);

        Assert.Equal("echo: second", response.Text);
        Assert.Equal(12, response.Usage?.TotalTokenCount);
        Assert.Equal(["system", "user", "assistant", "user"], upstream.Requests[0].Messages.Select(m => m.Role));
        Assert.False(upstream.Requests[0].Stream);
    }

    [Fact]
    public async Task OpenAI_sdk_retries_a_500_by_default_and_surfaces_the_status_when_retries_are_off()
    {
        await using var upstream = await TestUpstream.StartAsync();
        upstream.Enqueue(ScriptedReply.Error(500) with { RetryAfter = TimeSpan.Zero });
        upstream.Enqueue(ScriptedReply.Text("recovered"));
        var retrying = new ChatClient("m", new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = new Uri(upstream.BaseAddress) });

        var completion = await retrying.CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct);

        Assert.Equal("recovered", completion.Value.Content[0].Text);
        Assert.Equal(2, upstream.Requests.Count);

        upstream.Enqueue(ScriptedReply.Error(401));
        var once = new ChatClient("m", new ApiKeyCredential("k"), new OpenAIClientOptions
        {
            Endpoint = new Uri(upstream.BaseAddress),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
        var error = await Assert.ThrowsAsync<ClientResultException>(() => once.CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct));
        Assert.Equal(401, error.Status);
        Assert.Contains("Incorrect API key provided.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replies_are_served_in_order_and_requests_can_be_awaited()
    {
        await using var upstream = await TestUpstream.StartAsync();
        upstream.Enqueue(ScriptedReply.Text("one"));
        upstream.Enqueue(ScriptedReply.Text("two") with { FirstTokenDelay = TimeSpan.FromSeconds(1) });
        using var http = new HttpClient();

        using var first = await PostAsync(http, upstream, new { model = "m", messages = Hi });
        var second = PostAsync(http, upstream, new { model = "m", messages = new[] { new { role = "user", content = "2nd" } } });
        var recorded = await upstream.WaitForRequestAsync(2, TimeSpan.FromSeconds(10));

        Assert.False(second.IsCompleted); // recorded before answering
        Assert.Equal([("user", "2nd")], recorded.Messages);
        Assert.Contains("\"one\"", await first.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Contains("\"two\"", await (await second).Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        await Assert.ThrowsAsync<TimeoutException>(() => upstream.WaitForRequestAsync(3, TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task Content_parts_are_flattened_to_text()
    {
        await using var upstream = await TestUpstream.StartAsync();
        using var http = new HttpClient();
        var parts = new object[] { new { type = "text", text = "look " }, new { type = "image_url", image_url = new { url = "data:," } }, new { type = "text", text = "here" } };

        using var response = await PostAsync(http, upstream, new { model = "m", messages = new[] { new { role = "user", content = parts } } });

        Assert.Equal([("user", "look here")], upstream.Requests[0].Messages);
        Assert.Contains("echo: look here", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_endpoint_lists_one_model()
    {
        await using var upstream = await TestUpstream.StartAsync();
        using var http = new HttpClient();

        var models = await http.GetFromJsonAsync<JsonElement>($"{upstream.BaseAddress}/models", Ct);

        Assert.Equal("list", models.GetProperty("object").GetString());
        Assert.Equal("test-model", Assert.Single(models.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
    }

    static readonly object[] Hi = [new { role = "user", content = "hi" }];

    static Task<HttpResponseMessage> PostAsync(HttpClient http, TestUpstream upstream, object body) =>
        http.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"{upstream.BaseAddress}/chat/completions") { Content = JsonContent.Create(body) },
            HttpCompletionOption.ResponseHeadersRead, Ct);

    static async Task<IAsyncEnumerable<SseItem<string>>> ReadEventsAsync(HttpResponseMessage response) =>
        SseParser.Create(await response.Content.ReadAsStreamAsync(Ct)).EnumerateAsync(Ct);

    static JsonElement Delta(JsonElement chunk) => chunk.GetProperty("choices")[0].GetProperty("delta");
}
