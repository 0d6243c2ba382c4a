using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Tests.Conversations;

public abstract class ConversationTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reply_streams_token_by_token_then_done_with_message_id_and_provider_usage()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("Hel", "lo", " there") with
        {
            TokenDelay = TimeSpan.FromMilliseconds(300),
            Usage = (21, 3),
        });

        using var response = await parley.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/messages", new { content = "hi" }, Ct);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no", response.Headers.GetValues("X-Accel-Buffering").Single());

        var arrivals = new List<(SseEvent Event, long At)>();
        var clock = Stopwatch.StartNew();
        await foreach (var item in SseResponse.ReadEventsAsync(response, Ct)) arrivals.Add((item, clock.ElapsedMilliseconds));

        Assert.Equal(["delta", "delta", "delta", "done"], arrivals.Select(a => a.Event.Type));
        Assert.Equal(["Hel", "lo", " there"], arrivals.Take(3).Select(a => a.Event.Data.GetProperty("content").GetString()));
        // Tokens arrive as they are generated, not in one burst at the end. The first token waits for the user's
        // message to be committed and may catch up with the second on a busy machine; the last cannot.
        Assert.True(arrivals[2].At - arrivals[1].At >= 150, $"deltas arrived {arrivals[1].At} ms and {arrivals[2].At} ms in");

        var done = arrivals[^1].Event.Data;
        Assert.Equal("stop", done.GetProperty("finishReason").GetString());
        Assert.Equal(21, done.GetProperty("usage").GetProperty("inputTokens").GetInt32());
        Assert.Equal(3, done.GetProperty("usage").GetProperty("outputTokens").GetInt32());
        Assert.Equal("provider", done.GetProperty("usage").GetProperty("source").GetString());

        var chat = await GetChatAsync(parley, session.AccessKey);
        var reply = chat.GetProperty("messages")[1];
        Assert.Equal(done.GetProperty("messageId").GetGuid(), reply.GetProperty("id").GetGuid());
        Assert.Equal("Hello there", reply.GetProperty("content").GetString());
        Assert.Equal(21, chat.GetProperty("usage").GetProperty("inputTokens").GetInt32());
    }

    [Fact]
    public async Task While_the_reply_streams_the_users_message_is_already_stored_for_every_reader()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("first", " second") with { TokenDelay = TimeSpan.FromSeconds(1) });

        using var response = await parley.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/messages", new { content = "keep this" }, Ct);
        await using var events = SseResponse.ReadEventsAsync(response, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("delta", events.Current.Type);

        // The provider is asked while the message is being stored, and the first token waits for that commit:
        // a second reader (or a restart) already finds the message while the reply is still coming.
        var chat = await GetChatAsync(parley, session.AccessKey);
        Assert.True(chat.GetProperty("replying").GetBoolean());
        Assert.Equal("keep this", chat.GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Replies_finishing_together_in_many_sessions_each_count_toward_their_own_session()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync();
        var sessions = new List<CreatedSession>();
        for (var i = 0; i < 12; i++) sessions.Add(await parley.CreateSessionAsync(client));
        parley.Upstream.DefaultReply = ScriptedReply.Text("ok") with { Usage = (10, 2) };

        // Session i sends i % 3 + 1 messages, all sessions at once, so their replies are stored in shared commits.
        await Task.WhenAll(sessions.Select(async (session, i) =>
        {
            for (var sent = 0; sent <= i % 3; sent++)
                Assert.Equal("done", (await parley.SendAsync(session.AccessKey, "hi", Ct)).Last.Type);
        }));

        foreach (var (session, i) in sessions.Select((s, i) => (s, i)))
        {
            var usage = (await GetChatAsync(parley, session.AccessKey)).GetProperty("usage");
            Assert.Equal(10 * (i % 3 + 1), usage.GetProperty("inputTokens").GetInt32());
            Assert.Equal(2 * (i % 3 + 1), usage.GetProperty("outputTokens").GetInt32());
        }
    }

    [Fact]
    public async Task Second_message_carries_the_history_and_every_layer_of_the_prompt()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await parley.CreateGatewayAsync(new
        {
            baseAddress = parley.Upstream.BaseAddress,
            modelName = "gpt-4o-mini",
            systemInstruction = "You are Parley's test assistant.",
            temperature = 0.2,
            userPromptTemplate = "Customer says: {message}",
        });
        var client = await parley.CreateChatClientAsync(gateway, clientParameters: new { contextPrompt = "The shop is ACME." });
        var session = await parley.CreateSessionAsync(client, new { extraContext = "The customer is Ana." });

        parley.Upstream.Enqueue(ScriptedReply.Text("First answer"));
        parley.Upstream.Enqueue(ScriptedReply.Text("Second answer"));
        Assert.Equal("First answer", (await parley.SendAsync(session.AccessKey, "first question", Ct)).Text);
        Assert.Equal("Second answer", (await parley.SendAsync(session.AccessKey, "second question", Ct)).Text);

        var request = parley.Upstream.Requests[^1];
        Assert.True(request.Stream);
        Assert.Equal(0.2, request.Body.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(
        [
            ("system", "You are Parley's test assistant.\n\nThe shop is ACME.\n\nThe customer is Ana."),
            ("user", "Customer says: first question"),
            ("assistant", "First answer"),
            ("user", "Customer says: second question"),
        ], request.Messages);
    }

    [Fact]
    public async Task Assistant_prefill_starts_the_reply_and_is_sent_as_the_start_of_the_assistant_turn()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await parley.CreateGatewayAsync(new
        {
            baseAddress = parley.Upstream.BaseAddress, modelName = "gpt-4o-mini", assistantPrefill = "Certainly! ",
        });
        var session = await parley.CreateSessionAsync(await parley.CreateChatClientAsync(gateway));
        parley.Upstream.Enqueue(ScriptedReply.Text("Here it is."));

        var reply = await parley.SendAsync(session.AccessKey, "help", Ct);

        Assert.Equal("Certainly! Here it is.", reply.Text);
        Assert.Equal(("assistant", "Certainly! "), parley.Upstream.Requests[^1].Messages[^1]);
    }

    [Fact]
    public async Task Reasoning_streams_as_its_own_events_and_is_stored_apart_from_the_answer()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(new ScriptedReply { ReasoningTokens = ["Let me ", "think."], Tokens = ["42"] });

        var reply = await parley.SendAsync(session.AccessKey, "meaning of life?", Ct);

        Assert.Equal(["reasoning", "reasoning", "delta", "done"], reply.Types);
        var stored = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages")[1];
        Assert.Equal("42", stored.GetProperty("content").GetString());
        Assert.Equal("Let me think.", stored.GetProperty("reasoning").GetString());
    }

    [Fact]
    public async Task Without_provider_usage_tokens_are_counted_and_marked_estimated()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("one two three") with { Usage = null });

        var usage = (await parley.SendAsync(session.AccessKey, "count please", Ct)).Last.Data.GetProperty("usage");

        Assert.Equal("estimated", usage.GetProperty("source").GetString());
        Assert.Equal(3, usage.GetProperty("outputTokens").GetInt32());
        Assert.True(usage.GetProperty("inputTokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Conversation_survives_a_restart_of_Parley()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("Remember me"));
        await parley.SendAsync(session.AccessKey, "hello", Ct);

        await parley.RestartAsync();

        var messages = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages");
        Assert.Equal(["hello", "Remember me"], messages.EnumerateArray().Select(m => m.GetProperty("content").GetString()));
        parley.Upstream.Enqueue(ScriptedReply.Text("Still here"));
        Assert.Equal("Still here", (await parley.SendAsync(session.AccessKey, "are you there?", Ct)).Text);
        Assert.Equal(3, parley.Upstream.Requests[^1].Messages.Count);
    }

    [Fact]
    public async Task Reply_goes_on_and_is_stored_when_the_caller_disconnects()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("slow", " but", " complete") with { TokenDelay = TimeSpan.FromMilliseconds(300) });

        using (var response = await parley.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/messages", new { content = "go" }, Ct))
        {
            await using var stream = await response.Content.ReadAsStreamAsync(Ct);
            await stream.ReadExactlyAsync(new byte[16], Ct);
        }

        var reply = await WaitForReplyAsync(parley, session.AccessKey);
        Assert.Equal("slow but complete", reply.GetProperty("content").GetString());
        Assert.Equal("complete", reply.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_second_message_while_the_assistant_is_answering_gets_409()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("a", "b") with { FirstTokenDelay = TimeSpan.FromMilliseconds(800) });

        var first = parley.SendAsync(session.AccessKey, "first", Ct);
        await parley.Upstream.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
        var second = await parley.SendAsync(session.AccessKey, "second", Ct);

        Assert.Equal(HttpStatusCode.Conflict, second.Status);
        Assert.Equal("reply_in_progress", second.ProblemCode);
        Assert.Equal("ab", (await first).Text);
        var messages = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages");
        Assert.Equal(2, messages.GetArrayLength());
    }

    [Fact]
    public async Task Retry_replaces_the_last_reply()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("meh"));
        parley.Upstream.Enqueue(ScriptedReply.Text("better"));
        await parley.SendAsync(session.AccessKey, "write a haiku", Ct);

        using var response = await parley.Anonymous.PostAsync($"/api/v1/chat/{session.AccessKey}/retry", null, Ct);
        var retried = await SseResponse.ReadAsync(response, Ct);

        Assert.Equal("better", retried.Text);
        Assert.Equal([("user", "write a haiku")], parley.Upstream.Requests[^1].Messages);
        var messages = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages");
        Assert.Equal(["write a haiku", "better"], messages.EnumerateArray().Select(m => m.GetProperty("content").GetString()));
    }

    [Fact]
    public async Task Retry_with_nothing_to_answer_gets_409()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();

        using var response = await parley.Anonymous.PostAsync($"/api/v1/chat/{session.AccessKey}/retry", null, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("nothing_to_retry", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Clearing_empties_the_history_but_keeps_the_session_and_its_link()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        await parley.SendAsync(session.AccessKey, "forget this", Ct);

        using var cleared = await parley.Anonymous.DeleteAsync($"/api/v1/chat/{session.AccessKey}/messages", Ct);
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);

        Assert.Equal(0, (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages").GetArrayLength());
        await parley.SendAsync(session.AccessKey, "fresh start", Ct);
        Assert.Equal([("user", "fresh start")], parley.Upstream.Requests[^1].Messages);
    }

    [Fact]
    public async Task Transcript_downloads_as_markdown_and_as_json_lines()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("**Bold** answer"));
        await parley.SendAsync(session.AccessKey, "question?", Ct);

        using var markdown = await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}/transcript?format=md", Ct);
        Assert.Equal("text/markdown", markdown.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", markdown.Content.Headers.ContentDisposition?.DispositionType);
        var text = await markdown.Content.ReadAsStringAsync(Ct);
        Assert.Contains("question?", text);
        Assert.Contains("**Bold** answer", text);
        Assert.True(text.IndexOf("question?", StringComparison.Ordinal) < text.IndexOf("**Bold** answer", StringComparison.Ordinal));

        var lines = (await parley.Anonymous.GetStringAsync($"/api/v1/chat/{session.AccessKey}/transcript?format=jsonl", Ct))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .ToList();
        Assert.Equal(["user", "assistant"], lines.Select(l => l.GetProperty("role").GetString()));

        using var bad = await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}/transcript?format=pdf", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    internal static async Task<JsonElement> GetChatAsync(TestParley parley, string accessKey)
    {
        var body = await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{accessKey}", Ct);
        return body.GetProperty("data");
    }

    /// <summary>Polls the session until its last message is a finished reply, as a page that reconnects would.</summary>
    internal static async Task<JsonElement> WaitForReplyAsync(TestParley parley, string accessKey)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var chat = await GetChatAsync(parley, accessKey);
            var messages = chat.GetProperty("messages");
            if (!chat.GetProperty("replying").GetBoolean() && messages.GetArrayLength() > 0
                && messages[messages.GetArrayLength() - 1].GetProperty("role").GetString() == "assistant")
                return messages[messages.GetArrayLength() - 1];
            if (DateTime.UtcNow > deadline) throw new TimeoutException("No stored reply appeared: " + chat);
            await Task.Delay(100, Ct);
        }
    }
}

public sealed class ConversationOnSqlite() : ConversationTests(DatabaseKind.Sqlite);

public sealed class ConversationOnPostgres() : ConversationTests(DatabaseKind.Postgres);
