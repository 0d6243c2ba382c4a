using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Parley.Testing;
using Parley.Testing.Upstream;
using static Parley.Tests.Conversations.ConversationTests;

namespace Parley.Tests.Conversations;

/// <summary>Faults upstream: a clear message to the user, and nothing already said is lost.</summary>
public abstract class ProviderFaultTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Transient_provider_errors_before_the_first_token_are_retried()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Error(503));
        parley.Upstream.Enqueue(ScriptedReply.Text("after a hiccup"));

        var reply = await parley.SendAsync(session.AccessKey, "hi", Ct);

        Assert.Equal(["delta", "done"], reply.Types);
        Assert.Equal("after a hiccup", reply.Text);
        Assert.Equal(2, parley.Upstream.Requests.Count);
    }

    [Fact]
    public async Task Provider_that_keeps_failing_gives_an_error_event_and_keeps_the_user_message()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Error(500));
        parley.Upstream.Enqueue(ScriptedReply.Error(500));

        var reply = await parley.SendAsync(session.AccessKey, "are you up?", Ct);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(["error"], reply.Types);
        Assert.Equal("provider_unavailable", reply.Last.Data.GetProperty("code").GetString());
        var messages = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages");
        Assert.Equal("are you up?", messages[0].GetProperty("content").GetString());

        parley.Upstream.Enqueue(ScriptedReply.Text("I am now"));
        using var retry = await parley.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/retry", null, Ct);
        Assert.Equal("I am now", (await SseResponse.ReadAsync(retry, Ct)).Text);
        Assert.Equal([("user", "are you up?")], parley.Upstream.Requests[^1].Messages);
    }

    [Fact]
    public async Task A_rate_limit_asking_for_a_long_wait_is_told_at_once_instead_of_waited_for()
    {
        await using var parley = await TestParley.StartAsync(kind, "--Providers:MaxRetries=2");
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Error(429, "slow down") with { RetryAfter = TimeSpan.FromSeconds(120) });
        var started = Stopwatch.StartNew();

        var reply = await parley.SendAsync(session.AccessKey, "hi", Ct);

        Assert.Equal("provider_rate_limited", reply.Last.Data.GetProperty("code").GetString());
        Assert.Single(parley.Upstream.Requests);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"The user waited {started.Elapsed.TotalSeconds:0.0} s.");
    }

    [Fact]
    public async Task Rejected_provider_key_is_reported_without_being_retried_or_echoed()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Error(401, "Incorrect API key provided: sk-upstream-secret-123456"));

        var reply = await parley.SendAsync(session.AccessKey, "hi", Ct);

        Assert.Equal("provider_auth_failed", reply.Last.Data.GetProperty("code").GetString());
        Assert.False(reply.Last.Data.GetProperty("retryable").GetBoolean());
        Assert.DoesNotContain("sk-upstream-secret", reply.Last.Data.GetRawText());
        Assert.Single(parley.Upstream.Requests);
        // The operator's log has the provider's words, with the key it echoed cut to its hint.
        var logged = Assert.Single(parley.Logs.GetSnapshot(), r => r.Message.Contains("The provider said:", StringComparison.Ordinal)).Message;
        Assert.Contains("Incorrect API key provided: sk-…3456", logged, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-upstream-secret", logged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_the_provider_rejects_tells_the_user_parleys_words_and_the_operator_the_providers()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Error(400, "Your prompt 'my salary is 9200' was flagged; account org-7731 is on the free tier."));

        var reply = await parley.SendAsync(session.AccessKey, "my salary is 9200", Ct);

        Assert.Equal("provider_rejected", reply.Last.Data.GetProperty("code").GetString());
        Assert.Equal("The model provider rejected the request (400). Its reason is in Parley's log for the operator.",
            reply.Last.Data.GetProperty("message").GetString());
        var stored = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages")[1];
        Assert.DoesNotContain("org-7731", stored.GetRawText(), StringComparison.Ordinal);
        Assert.Contains(parley.Logs.GetSnapshot(), r => r.Message.Contains("The provider said:", StringComparison.Ordinal)
            && r.Message.Contains("account org-7731 is on the free tier", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Connection_dropped_mid_reply_stores_the_partial_reply_as_incomplete_and_retry_works()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("The answer", " is", " forty", " two") with { DropAfterTokens = 2 });

        var reply = await parley.SendAsync(session.AccessKey, "what is it?", Ct);

        Assert.Equal(["delta", "delta", "error"], reply.Types);
        var error = reply.Last.Data;
        Assert.Equal("provider_connection_lost", error.GetProperty("code").GetString());
        Assert.True(error.GetProperty("retryable").GetBoolean());
        var stored = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages");
        Assert.Equal("what is it?", stored[0].GetProperty("content").GetString());
        Assert.Equal("The answer is", stored[1].GetProperty("content").GetString());
        Assert.Equal("incomplete", stored[1].GetProperty("status").GetString());
        Assert.Equal(error.GetProperty("messageId").GetGuid(), stored[1].GetProperty("id").GetGuid());
        Assert.False(string.IsNullOrEmpty(stored[1].GetProperty("error").GetString()));
        Assert.Equal("provider_connection_lost", stored[1].GetProperty("errorCode").GetString());
        Assert.Equal(JsonValueKind.Null, stored[1].GetProperty("finishReason").ValueKind);

        parley.Upstream.Enqueue(ScriptedReply.Text("The answer is forty two."));
        using var retry = await parley.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/retry", null, Ct);
        Assert.Equal("The answer is forty two.", (await SseResponse.ReadAsync(retry, Ct)).Text);
        var after = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages");
        Assert.Equal(2, after.GetArrayLength());
        Assert.Equal("complete", after[1].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Provider_that_never_starts_answering_times_out_with_a_clear_error()
    {
        await using var parley = await TestParley.StartAsync(kind, "--Providers:FirstTokenTimeoutSeconds=1");
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("too late") with { FirstTokenDelay = TimeSpan.FromSeconds(4) });

        var reply = await parley.SendAsync(session.AccessKey, "hello?", Ct);

        Assert.Equal(["error"], reply.Types);
        Assert.Equal("provider_timeout", reply.Last.Data.GetProperty("code").GetString());
        Assert.Contains("did not start answering", reply.Last.Data.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Provider_that_goes_silent_mid_reply_times_out_and_keeps_what_it_said()
    {
        await using var parley = await TestParley.StartAsync(kind, "--Providers:IdleTimeoutSeconds=1");
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("Part one.", " Part two.") with { TokenDelay = TimeSpan.FromSeconds(4) });

        var reply = await parley.SendAsync(session.AccessKey, "tell me", Ct);

        Assert.Equal(["delta", "error"], reply.Types);
        Assert.Contains("went silent", reply.Last.Data.GetProperty("message").GetString());
        var stored = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages")[1];
        Assert.Equal("Part one.", stored.GetProperty("content").GetString());
        Assert.Equal("incomplete", stored.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_reply_whose_work_fails_unexpectedly_still_ends_and_frees_the_session()
    {
        await using var parley = await TestParley.StartAsync(kind,
            services => services.AddSingleton<Parley.Scaling.IReplyFeed, BrokenFeed>());
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("never", " shown"));
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(20));

        // A run that never ended would keep this stream open for good.
        var broken = await parley.SendAsync(session.AccessKey, "first", patience.Token);

        Assert.Equal("error", broken.Last.Type);
        Assert.Equal("provider_error", broken.Last.Data.GetProperty("code").GetString());
        var chat = await GetChatAsync(parley, session.AccessKey);
        Assert.False(chat.GetProperty("replying").GetBoolean());
        Assert.Equal("first", chat.GetProperty("messages")[0].GetProperty("content").GetString());
        // The session is free: the next message is not refused as reply_in_progress.
        using var next = await parley.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/messages", new { content = "second" }, Ct);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Unreachable_provider_gives_an_error_event()
    {
        await using var parley = await TestParley.StartAsync(kind);
        // A port that was just free: nothing listens there.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var gateway = await parley.CreateGatewayAsync(new { baseAddress = $"http://127.0.0.1:{port}/v1", modelName = "gpt-4o-mini" });
        var session = await parley.CreateSessionAsync(await parley.CreateChatClientAsync(gateway));

        var reply = await parley.SendAsync(session.AccessKey, "anyone?", Ct);

        Assert.Equal(["error"], reply.Types);
        Assert.Equal("provider_unreachable", reply.Last.Data.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Provider_that_accepts_no_connection_is_unreachable_after_one_connect_timeout()
    {
        // Retrying would take four connect timeouts and the backoff between them, more than 12 seconds.
        await using var parley = await TestParley.StartAsync(kind, "--Providers:ConnectTimeoutSeconds=2", "--Providers:MaxRetries=3");
        using var silent = await UnansweredPort.OpenAsync();
        var gateway = await parley.CreateGatewayAsync(new { baseAddress = silent.BaseAddress, modelName = "gpt-4o-mini" });
        var session = await parley.CreateSessionAsync(await parley.CreateChatClientAsync(gateway));

        var clock = Stopwatch.StartNew();
        var reply = await parley.SendAsync(session.AccessKey, "anyone?", Ct);
        clock.Stop();

        Assert.Equal(["error"], reply.Types);
        Assert.Equal("provider_unreachable", reply.Last.Data.GetProperty("code").GetString());
        Assert.True(reply.Last.Data.GetProperty("retryable").GetBoolean());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"the error came after {clock.Elapsed}");
    }

    [Fact]
    public async Task Stream_that_ends_without_a_finish_reason_or_done_is_stored_incomplete_and_retry_works()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("The answer", " is", " forty", " two") with { EndAfterTokens = 2 });

        var reply = await parley.SendAsync(session.AccessKey, "what is it?", Ct);

        Assert.Equal(["delta", "delta", "error"], reply.Types);
        Assert.Equal("provider_connection_lost", reply.Last.Data.GetProperty("code").GetString());
        Assert.True(reply.Last.Data.GetProperty("retryable").GetBoolean());
        var stored = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages")[1];
        Assert.Equal("The answer is", stored.GetProperty("content").GetString());
        Assert.Equal("incomplete", stored.GetProperty("status").GetString());
        Assert.Equal("provider_connection_lost", stored.GetProperty("errorCode").GetString());
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("finishReason").ValueKind);

        parley.Upstream.Enqueue(ScriptedReply.Text("The answer is forty two."));
        using var retry = await parley.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/retry", null, Ct);
        Assert.Equal("The answer is forty two.", (await SseResponse.ReadAsync(retry, Ct)).Text);
        var after = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages")[1];
        Assert.Equal("complete", after.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("errorCode").ValueKind);
    }

    [Fact]
    public async Task Reply_is_stored_with_the_finish_reason_the_provider_gave()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("Cut at the", " token limit") with { FinishReason = "length" });

        var reply = await parley.SendAsync(session.AccessKey, "write a lot", Ct);

        Assert.Equal("done", reply.Last.Type);
        Assert.Equal("length", reply.Last.Data.GetProperty("finishReason").GetString());
        var stored = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages")[1];
        Assert.Equal(("complete", "length"), (stored.GetProperty("status").GetString(), stored.GetProperty("finishReason").GetString()));
    }

    [Fact]
    public async Task Stream_with_a_finish_reason_but_no_done_is_a_complete_reply()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("All", " said") with { OmitDone = true });

        var reply = await parley.SendAsync(session.AccessKey, "hi", Ct);

        Assert.Equal(["delta", "delta", "done"], reply.Types);
        Assert.Equal("stop", reply.Last.Data.GetProperty("finishReason").GetString());
    }

    [Fact]
    public async Task Stream_ended_with_done_but_no_finish_reason_is_complete_with_no_finish_reason_made_up()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("All", " said") with { FinishReason = null });

        var reply = await parley.SendAsync(session.AccessKey, "hi", Ct);

        Assert.Equal(["delta", "delta", "done"], reply.Types);
        Assert.Equal(JsonValueKind.Null, reply.Last.Data.GetProperty("finishReason").ValueKind);
        var stored = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages")[1];
        Assert.Equal("complete", stored.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("finishReason").ValueKind);
    }

    [Theory]
    [InlineData("text/html; charset=utf-8", "<html><body><h1>502 Bad Gateway</h1></body></html>")]
    [InlineData(null, "")]
    [InlineData("application/json", "{\"object\":\"list\",\"data\":[]}")]
    [InlineData("text/event-stream", "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"content\":\"Hi\"\n\n")]
    public async Task Provider_answering_200_with_something_else_than_a_chat_stream_is_a_bad_response(string? contentType, string body)
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Raw(contentType, body));

        var reply = await parley.SendAsync(session.AccessKey, "hello?", Ct);

        Assert.Equal(["error"], reply.Types);
        Assert.Equal("provider_bad_response", reply.Last.Data.GetProperty("code").GetString());
        Assert.True(reply.Last.Data.GetProperty("retryable").GetBoolean());
        var stored = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages");
        Assert.Equal("hello?", stored[0].GetProperty("content").GetString());
        Assert.Equal(("incomplete", "provider_bad_response"), (stored[1].GetProperty("status").GetString(), stored[1].GetProperty("errorCode").GetString()));
    }
}

/// <summary>A feed to other instances that fails on every event, as a broken shared store would.</summary>
sealed class BrokenFeed : Parley.Scaling.IReplyFeed
{
    public void Open(Guid sessionId) { }
    public void Publish(Guid sessionId, System.Net.ServerSentEvents.SseItem<object> item) => throw new InvalidOperationException("The shared store broke.");
    public void Close(Guid sessionId) { }
    public IAsyncEnumerable<System.Net.ServerSentEvents.SseItem<object>> FollowAsync(Guid sessionId, CancellationToken ct) =>
        AsyncEnumerable.Empty<System.Net.ServerSentEvents.SseItem<object>>();
}

public sealed class ProviderFaultsOnSqlite() : ProviderFaultTests(DatabaseKind.Sqlite);

public sealed class ProviderFaultsOnPostgres() : ProviderFaultTests(DatabaseKind.Postgres);
