using System.Net;
using System.Text.Json;
using Parley.Testing;
using static Parley.Tests.Conversations.ConversationTests;

namespace Parley.Tests.Conversations;

/// <summary>Limits, expiry and renewal: the rules every channel gets from the conversation service.</summary>
public abstract class ConversationRuleTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Unknown_or_malformed_access_key_gets_404_and_no_stream()
    {
        await using var parley = await TestParley.StartAsync(kind);
        await parley.CreateSessionAsync();

        var wellFormed = await parley.SendAsync("wky_" + new string('a', 56), "hi", Ct);
        var malformed = await parley.SendAsync("not-a-key", "hi", Ct);

        Assert.Equal(HttpStatusCode.NotFound, wellFormed.Status);
        Assert.Equal("session_not_found", wellFormed.ProblemCode);
        Assert.Equal(HttpStatusCode.NotFound, malformed.Status);
        Assert.Empty(parley.Upstream.Requests);
    }

    [Fact]
    public async Task Empty_or_missing_content_gets_400_naming_content()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();

        using var missing = await parley.Anonymous.PostAsJsonAsync($"/api/v1/chat/{session.AccessKey}/messages", new { }, Ct);
        var blank = await parley.SendAsync(session.AccessKey, "   ", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.True((await missing.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("content", out _));
        Assert.Equal(HttpStatusCode.BadRequest, blank.Status);
        Assert.Contains("content", blank.Problem!.Value.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Expired_session_gets_410_with_a_clear_message()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync(request: new { expires = 600 });

        parley.Clock.Advance(TimeSpan.FromSeconds(601));
        var reply = await parley.SendAsync(session.AccessKey, "hello?", Ct);
        using var view = await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}", Ct);

        Assert.Equal(HttpStatusCode.Gone, reply.Status);
        Assert.Equal("session_expired", reply.ProblemCode);
        Assert.Contains("expired", reply.Problem!.Value.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.Gone, view.StatusCode);
        Assert.Empty(parley.Upstream.Requests);
    }

    [Fact]
    public async Task An_expired_session_is_closed_on_every_route_that_takes_its_key()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync(request: new { expires = 600 });
        var done = await parley.SendAsync(session.AccessKey, "remember this", Ct);
        var replyId = done.Last.Data.GetProperty("messageId").GetGuid();
        var key = session.AccessKey;

        // The message renewed the session to 20 minutes from then.
        parley.Clock.Advance(TimeSpan.FromMinutes(21));

        HttpRequestMessage[] requests =
        [
            new(HttpMethod.Get, $"/api/v1/chat/{key}"),
            new(HttpMethod.Post, $"/api/v1/chat/{key}/messages") { Content = JsonContent.Create(new { content = "still there?" }) },
            new(HttpMethod.Post, $"/api/v1/chat/{key}/retry"),
            new(HttpMethod.Get, $"/api/v1/chat/{key}/reply"),
            new(HttpMethod.Post, $"/api/v1/chat/{key}/messages/{replyId}/feedback") { Content = JsonContent.Create(new { rating = "up" }) },
            new(HttpMethod.Delete, $"/api/v1/chat/{key}/messages"),
            new(HttpMethod.Get, $"/api/v1/chat/{key}/transcript"),
            new(HttpMethod.Get, $"/api/v1/chat/{key}/transcript?format=jsonl"),
        ];
        foreach (var request in requests)
        {
            using var response = await parley.Anonymous.SendAsync(request, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Gone, $"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}: {text}");
            Assert.Equal("session_expired", JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());
            Assert.DoesNotContain("remember this", text, StringComparison.Ordinal);
            Assert.True(response.Headers.CacheControl?.NoStore);
        }
        Assert.Single(parley.Upstream.Requests);
    }

    [Fact]
    public async Task Session_api_responses_are_never_stored_by_caches()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();

        using var stream = await parley.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/messages", new { content = "hi" }, Ct);
        await SseResponse.ReadAsync(stream, Ct);
        using var chat = await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}", Ct);
        using var transcript = await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}/transcript", Ct);
        using var unknown = await parley.Anonymous.GetAsync($"/api/v1/chat/wky_{new string('a', 56)}", Ct);
        using var malformed = await parley.Anonymous.PostAsync($"/api/v1/chat/{session.AccessKey}/messages",
            new StringContent("{", System.Text.Encoding.UTF8, "application/json"), Ct);

        foreach (var response in new[] { stream, chat, transcript, unknown, malformed })
            Assert.True(response.Headers.CacheControl?.NoStore, $"{response.RequestMessage?.RequestUri}: {response.Headers.CacheControl}");
    }

    [Fact]
    public async Task A_message_with_little_time_left_renews_the_session_to_20_minutes_from_then()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync(request: new { expires = 3600 });

        parley.Clock.Advance(TimeSpan.FromMinutes(30));
        await parley.SendAsync(session.AccessKey, "still plenty of time", Ct);
        var notRenewed = (await GetChatAsync(parley, session.AccessKey)).GetProperty("expiresAt").GetDateTime();

        parley.Clock.Advance(TimeSpan.FromMinutes(25));
        var sentAt = parley.Clock.GetUtcNow().UtcDateTime;
        await parley.SendAsync(session.AccessKey, "five minutes left", Ct);
        var renewed = (await GetChatAsync(parley, session.AccessKey)).GetProperty("expiresAt").GetDateTime();

        Assert.Equal(sentAt.AddMinutes(-55).AddHours(1), notRenewed.ToUniversalTime(), TimeSpan.FromSeconds(2));
        Assert.Equal(sentAt.AddMinutes(20), renewed.ToUniversalTime(), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Renewal_follows_the_chat_clients_own_settings()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync(limitingParameters: new { renewWhenMinutesLeft = 60, renewByMinutes = 180 });
        var session = await parley.CreateSessionAsync(client, new { expires = 1800 });

        var sentAt = parley.Clock.GetUtcNow().UtcDateTime;
        await parley.SendAsync(session.AccessKey, "hi", Ct);

        var expiresAt = (await GetChatAsync(parley, session.AccessKey)).GetProperty("expiresAt").GetDateTime();
        Assert.Equal(sentAt.AddMinutes(180), expiresAt.ToUniversalTime(), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Max_messages_stops_the_conversation_until_it_is_cleared()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync(await parley.CreateChatClientAsync(limitingParameters: new { maxMessages = 2 }));
        await parley.SendAsync(session.AccessKey, "one", Ct);
        await parley.SendAsync(session.AccessKey, "two", Ct);

        var third = await parley.SendAsync(session.AccessKey, "three", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, third.Status);
        Assert.Equal("max_messages_reached", third.ProblemCode);
        Assert.Equal(2, third.Problem!.Value.GetProperty("limit").GetInt32());
        Assert.Equal(2, parley.Upstream.Requests.Count);

        await parley.Anonymous.DeleteAsync($"/api/v1/chat/{session.AccessKey}/messages", Ct);
        Assert.Equal(HttpStatusCode.OK, (await parley.SendAsync(session.AccessKey, "three again", Ct)).Status);
    }

    [Fact]
    public async Task Hourly_limit_holds_after_clearing_and_lifts_when_the_oldest_message_is_an_hour_old()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync(
            await parley.CreateChatClientAsync(limitingParameters: new { messagesPerHour = 2 }), new { expires = 86_400 });
        await parley.SendAsync(session.AccessKey, "one", Ct);
        parley.Clock.Advance(TimeSpan.FromMinutes(10));
        await parley.SendAsync(session.AccessKey, "two", Ct);
        await parley.Anonymous.DeleteAsync($"/api/v1/chat/{session.AccessKey}/messages", Ct);

        var limited = await parley.SendAsync(session.AccessKey, "three", Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        Assert.Equal("hourly_limit_reached", limited.ProblemCode);
        var resetsAt = limited.Problem!.Value.GetProperty("resetsAt").GetDateTime().ToUniversalTime();

        parley.Clock.Advance(TimeSpan.FromMinutes(51));
        Assert.Equal(HttpStatusCode.OK, (await parley.SendAsync(session.AccessKey, "three", Ct)).Status);
        Assert.Equal(parley.Clock.GetUtcNow().UtcDateTime.AddMinutes(-1), resetsAt, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Input_token_limit_refuses_long_messages_with_the_count_and_the_limit()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync(await parley.CreateChatClientAsync(limitingParameters: new { userInputMaxTokens = 10 }));

        var tooLong = await parley.SendAsync(session.AccessKey, string.Join(' ', Enumerable.Repeat("word", 30)), Ct);
        var fine = await parley.SendAsync(session.AccessKey, "short question", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);
        Assert.Equal("input_too_long", tooLong.ProblemCode);
        Assert.Equal(30, tooLong.Problem!.Value.GetProperty("tokens").GetInt32());
        Assert.Equal(10, tooLong.Problem!.Value.GetProperty("limit").GetInt32());
        Assert.Equal(HttpStatusCode.OK, fine.Status);
        Assert.Single(parley.Upstream.Requests);
    }

    [Fact]
    public async Task Input_token_limit_is_skipped_for_models_with_an_unknown_tokenizer_and_the_api_says_so()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await parley.CreateGatewayAsync(new { baseAddress = parley.Upstream.BaseAddress, modelName = "llama3.1:8b" });
        var session = await parley.CreateSessionAsync(await parley.CreateChatClientAsync(gateway, limitingParameters: new { userInputMaxTokens = 5 }));

        var reply = await parley.SendAsync(session.AccessKey, string.Join(' ', Enumerable.Repeat("word", 30)), Ct);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var applied = (await GetChatAsync(parley, session.AccessKey)).GetProperty("limitsApplied");
        Assert.False(applied.GetProperty("userInputMaxTokens").GetBoolean());
        Assert.Contains("llama3.1:8b", applied.GetProperty("note").GetString());
    }

    [Fact]
    public async Task Session_view_shows_page_parameters_but_never_the_context_prompt()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync(clientParameters: new
        {
            pageTitle = "ACME help", languageCode = "pt-BR", contextPrompt = "secret internal instructions",
            suggestionButtons = new[] { new { label = "Prices", prompt = "What are your prices?" } },
        });
        var session = await parley.CreateSessionAsync(client);

        using var response = await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}", Ct);
        var raw = await response.Content.ReadAsStringAsync(Ct);
        var page = JsonDocument.Parse(raw).RootElement.GetProperty("data").GetProperty("page");

        Assert.Equal("ACME help", page.GetProperty("pageTitle").GetString());
        Assert.Equal("pt-BR", page.GetProperty("languageCode").GetString());
        Assert.Equal("Prices", page.GetProperty("suggestionButtons")[0].GetProperty("label").GetString());
        Assert.DoesNotContain("secret internal instructions", raw);
    }
}

public sealed class ConversationRulesOnSqlite() : ConversationRuleTests(DatabaseKind.Sqlite);

public sealed class ConversationRulesOnPostgres() : ConversationRuleTests(DatabaseKind.Postgres);
