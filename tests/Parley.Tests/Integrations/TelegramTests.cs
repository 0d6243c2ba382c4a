using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Integrations;
using Parley.Testing;
using Parley.Testing.Channels;
using Parley.Testing.Upstream;

namespace Parley.Tests.Integrations;

/// <summary>
/// A chat client answering on Telegram, end to end: created through the admin API against a fake Bot API, updates
/// delivered to Parley's webhook (or fetched with getUpdates), and what the Telegram user would see asserted on the
/// sendMessage calls the fake received.
/// </summary>
public abstract class TelegramTests(DatabaseKind kind)
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    protected DatabaseKind Kind => kind;

    protected static readonly TelegramUser Alice = TelegramUser.Alice;

    [Fact]
    public async Task Conversation_over_the_webhook_shows_typing_then_the_reply_and_keeps_the_history()
    {
        await using var bot = await TelegramBot.StartAsync(kind);
        var webhook = bot.Telegram.Webhook!;
        Assert.Equal(new Uri(bot.Parley.BaseAddress, $"/webhooks/telegram/{bot.IntegrationId}"), webhook.Url);
        Assert.Equal(["message"], webhook.AllowedUpdates);
        Assert.Equal(32, webhook.SecretToken?.Length);
        var created = await bot.GetIntegrationAsync();
        Assert.Equal("parley_test_bot", created.GetProperty("address").GetString());
        Assert.Equal("Connected as @parley_test_bot, webhook", created.GetProperty("status").GetString());

        bot.Parley.Upstream.Enqueue(ScriptedReply.Text("Hi ", "Alice!") with { FirstTokenDelay = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(HttpStatusCode.OK, await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "hello"), Ct));
        var first = await bot.ReplyAsync(1);

        Assert.Equal(("Hi Alice!", "Html", Alice.Id), (first.Text, first.ParseMode, first.ChatId));
        var typing = await bot.Telegram.WaitForCallAsync("sendChatAction", 1, Wait);
        Assert.Equal(("typing", Alice.Id), (typing.Action, typing.ChatId));
        Assert.True(IndexOf(bot.Telegram, typing) < IndexOf(bot.Telegram, first), "typing is shown before the reply arrives");

        bot.Parley.Upstream.Enqueue(ScriptedReply.Text("Still here."));
        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "are you there?"), Ct);
        Assert.Equal("Still here.", (await bot.ReplyAsync(2)).Text);
        Assert.Equal([("user", "hello"), ("assistant", "Hi Alice!"), ("user", "are you there?")], Conversation(bot.Parley.Upstream.Requests[1]));

        var sessions = await bot.SessionsAsync();
        var session = Assert.Single(sessions.EnumerateArray());
        Assert.Equal(("telegram", $"telegram:{Alice.Id}"), (session.GetProperty("channel").GetString(), session.GetProperty("tag").GetString()));
        using var transcript = await bot.Parley.Admin.GetAsync(
            $"/api/v1/web-chat-client/{bot.ClientId}/sessions/{session.GetProperty("id").GetGuid()}/transcript", Ct);
        var markdown = await transcript.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, transcript.StatusCode);
        Assert.Contains("hello", markdown, StringComparison.Ordinal);
        Assert.Contains("Hi Alice!", markdown, StringComparison.Ordinal);
        Assert.Contains("Still here.", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_calls_without_the_secret_are_refused_and_nothing_of_them_is_answered()
    {
        await using var bot = await TelegramBot.StartAsync(kind);
        var url = bot.Telegram.Webhook!.Url;

        var missing = await bot.Telegram.DeliverAsync(url, TelegramUpdates.Text(Alice, "no secret"), secretToken: null, Ct);
        var wrong = await bot.Telegram.DeliverAsync(url, TelegramUpdates.Text(Alice, "wrong secret"), "not-the-secret-0123456789abcdefgh", Ct);
        var unknown = await bot.Telegram.DeliverAsync(new Uri(bot.Parley.BaseAddress, $"/webhooks/telegram/{Guid.NewGuid()}"),
            TelegramUpdates.Text(Alice, "unknown bot"), bot.Telegram.Webhook.SecretToken, Ct);
        using var malformed = await bot.PostRawAsync(url, "{\"update_id\": ", bot.Telegram.Webhook.SecretToken);

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.NotFound, HttpStatusCode.BadRequest),
            (missing, wrong, unknown, malformed.StatusCode));
        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "the real one"), Ct);
        await bot.ReplyAsync(1);
        Assert.Equal([("user", "the real one")], Conversation(Assert.Single(bot.Parley.Upstream.Requests)));
    }

    [Fact]
    public async Task Update_delivered_twice_is_answered_once()
    {
        await using var bot = await TelegramBot.StartAsync(kind);
        var update = TelegramUpdates.Text(Alice, "only once");

        Assert.Equal(HttpStatusCode.OK, await bot.Telegram.DeliverAsync(update, Ct));
        Assert.Equal(HttpStatusCode.OK, await bot.Telegram.DeliverAsync(update, Ct));
        await bot.ReplyAsync(1);
        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "next"), Ct);
        await bot.ReplyAsync(2);

        Assert.Equal(2, bot.Parley.Upstream.Requests.Count);
        Assert.Equal([("user", "only once"), ("assistant", "echo: only once"), ("user", "next")], Conversation(bot.Parley.Upstream.Requests[1]));
        Assert.Equal(2, bot.SentMessages.Count);
    }

    [Theory]
    [InlineData("en", "Done: I forgot our conversation. What can I help you with?")]
    [InlineData("pt-BR", "Pronto: esqueci nossa conversa. Em que posso ajudar?")]
    public async Task Reset_forgets_the_conversation_and_says_so_in_the_clients_language(string language, string confirmation)
    {
        await using var bot = await TelegramBot.StartAsync(kind, clientParameters: new { languageCode = language });

        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "remember 7"), Ct);
        await bot.ReplyAsync(1);
        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "/reset"), Ct);
        Assert.Equal(confirmation, (await bot.ReplyAsync(2)).Text);
        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "what number?"), Ct);
        await bot.ReplyAsync(3);

        Assert.Equal([("user", "what number?")], Conversation(bot.Parley.Upstream.Requests[^1]));
    }

    [Theory]
    [InlineData(true, "This conversation used 10 input tokens and 2 output tokens, 12 in all.")]
    [InlineData(false, "Token usage is not shown in this chat.")]
    public async Task Usage_shows_the_token_counts_only_when_the_client_is_in_debug_mode(bool debug, string answer)
    {
        await using var bot = await TelegramBot.StartAsync(kind, clientParameters: new { debug });

        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "hi"), Ct);
        await bot.ReplyAsync(1);
        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "/usage"), Ct);

        Assert.Equal(answer, (await bot.ReplyAsync(2)).Text);
        Assert.Single(bot.Parley.Upstream.Requests);
    }

    [Fact]
    public async Task Messages_sent_in_a_burst_are_answered_once_when_the_burst_is_over()
    {
        await using var bot = await TelegramBot.StartAsync(kind, debounceMilliseconds: 1500);

        foreach (var text in new[] { "I have", "a question", "about my order" })
            await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, text), Ct);
        Assert.Empty(bot.Parley.Upstream.Requests);
        bot.Parley.Clock.Advance(TimeSpan.FromSeconds(2));
        var reply = await bot.ReplyAsync(1);

        Assert.Equal([("user", "I have\na question\nabout my order")], Conversation(Assert.Single(bot.Parley.Upstream.Requests)));
        Assert.Equal("echo: I have\na question\nabout my order", reply.Text);
        Assert.Single(bot.SentMessages);
    }

    [Fact]
    public async Task Long_reply_with_a_code_block_arrives_as_several_messages_in_order()
    {
        await using var bot = await TelegramBot.StartAsync(kind);
        var code = string.Join("\n", Enumerable.Range(1, 120).Select(i => $"let line{i} = compute({i}) < limit && ok;"));
        var reply = $"Here is the script:\n\n```js\n{code}\n```\n\n{string.Join(" ", Enumerable.Repeat("And **that** is all.", 150))}";
        bot.Parley.Upstream.Enqueue(ScriptedReply.Text(reply));
        var expected = ChannelFormatting.ToTelegramHtml(reply);
        Assert.True(expected.Count >= 3, $"the reply should need several messages, it needs {expected.Count}");

        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "write me a script"), Ct);
        await bot.ReplyAsync(expected.Count);

        Assert.Equal(expected, bot.SentMessages.Select(c => c.Text ?? ""));
        Assert.All(bot.SentMessages, c => Assert.Equal(("Html", Alice.Id), (c.ParseMode, c.ChatId)));
        Assert.Contains(bot.SentMessages, c => c.Text!.Contains("<pre><code class=\"language-js\">let line1 = compute(1) &lt; limit &amp;&amp; ok;", StringComparison.Ordinal));
        // Telegram took every part: a refused one would have been tried again and said so on the integration.
        Assert.StartsWith("Connected", (await bot.GetIntegrationAsync()).GetProperty("status").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Markdown_of_the_reply_is_shown_formatted_and_html_it_contains_is_shown_as_text()
    {
        await using var bot = await TelegramBot.StartAsync(kind);
        bot.Parley.Upstream.Enqueue(ScriptedReply.Text("Use **bold** and `x < y`, not <b>tags</b> & such."));

        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "format?"), Ct);

        Assert.Equal("Use <b>bold</b> and <code>x &lt; y</code>, not &lt;b&gt;tags&lt;/b&gt; &amp; such.", (await bot.ReplyAsync(1)).Text);
    }

    [Fact]
    public async Task Answer_waits_out_a_telegram_outage_and_the_model_is_asked_once()
    {
        await using var bot = await TelegramBot.StartAsync(kind);
        bot.Telegram.Down = true;

        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "are you up?"), Ct);
        await bot.ReplyAsync(1);
        await bot.WaitForStatusAsync("Could not deliver an answer: Telegram could not send a message: it answered 502");
        bot.Telegram.Down = false;
        bot.Parley.Clock.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal("echo: are you up?", (await bot.ReplyAsync(2)).Text);
        Assert.Single(bot.Parley.Upstream.Requests);
    }

    [Fact]
    public async Task Rate_limited_answer_is_sent_again_after_the_wait_Telegram_asked_for()
    {
        await using var bot = await TelegramBot.StartAsync(kind);
        bot.Telegram.FailNext("sendMessage", ChannelFault.TooManyRequests(TimeSpan.FromSeconds(30)));

        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "hi"), Ct);
        await bot.ReplyAsync(1);
        await bot.WaitForStatusAsync("Could not deliver an answer: Telegram asked to wait");
        bot.Parley.Clock.Advance(TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct); // the worker looks at least once a second
        Assert.Single(bot.SentMessages);
        bot.Parley.Clock.Advance(TimeSpan.FromSeconds(21));

        Assert.Equal("echo: hi", (await bot.ReplyAsync(2)).Text);
        Assert.Single(bot.Parley.Upstream.Requests);
    }

    [Fact]
    public async Task Long_answer_interrupted_by_a_rate_limit_goes_on_from_the_part_that_was_not_sent()
    {
        await using var bot = await TelegramBot.StartAsync(kind);
        var reply = string.Join("\n\n", Enumerable.Range(1, 3).Select(i => $"Part {i}: " + new string('x', 3000)));
        var parts = ChannelFormatting.ToTelegramHtml(reply);
        Assert.Equal(3, parts.Count);
        bot.Parley.Upstream.Enqueue(ScriptedReply.Text(reply));
        bot.Telegram.FailNext("sendMessage", ChannelFault.TooManyRequests(TimeSpan.FromSeconds(5)), after: 1);

        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "tell me everything"), Ct);
        await bot.WaitForStatusAsync("Could not deliver an answer");
        bot.Parley.Clock.Advance(TimeSpan.FromSeconds(6));
        await bot.ReplyAsync(4);

        // The first part, the second refused, then the second and the third: the user gets each part once.
        Assert.Equal([parts[0], parts[1], parts[1], parts[2]], bot.SentMessages.Select(c => c.Text ?? ""));
        Assert.Single(bot.Parley.Upstream.Requests);
    }

    [Fact]
    public async Task Answer_to_a_user_who_blocked_the_bot_is_given_up_at_once_and_can_be_replayed()
    {
        await using var bot = await TelegramBot.StartAsync(kind);
        bot.Telegram.FailNext("sendMessage", ChannelFault.Error(403, "Forbidden: bot was blocked by the user"));

        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "hi"), Ct);
        await bot.WaitForStatusAsync("Could not deliver an answer: Telegram refused to send a message: Forbidden: bot was blocked by the user");
        using var replay = await bot.Parley.Admin.PostAsync($"{bot.IntegrationPath}/replay", null, Ct);
        var replayed = await replay.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(1, replayed.GetProperty("data").GetProperty("replayed").GetInt32());
        Assert.Equal("echo: hi", (await bot.ReplyAsync(2)).Text);
        Assert.Single(bot.Parley.Upstream.Requests);
    }

    [Fact]
    public async Task Hourly_limit_is_answered_in_the_chat_with_the_limit_text()
    {
        await using var bot = await TelegramBot.StartAsync(kind, limitingParameters: new { messagesPerHour = 1 });

        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "one"), Ct);
        await bot.ReplyAsync(1);
        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "two"), Ct);

        Assert.StartsWith("You reached the limit of 1 messages per hour. You can write again at ", (await bot.ReplyAsync(2)).Text, StringComparison.Ordinal);
        Assert.Single(bot.Parley.Upstream.Requests);
    }

    [Fact]
    public async Task Photo_even_with_a_caption_gets_the_only_text_answer()
    {
        await using var bot = await TelegramBot.StartAsync(kind);

        await bot.Telegram.DeliverAsync(TelegramUpdates.Photo(Alice, caption: "what is this?"), Ct);

        Assert.Equal("I can only read text messages for now. Please write your question.", (await bot.ReplyAsync(1)).Text);
        Assert.Empty(bot.Parley.Upstream.Requests);
    }

    [Fact]
    public async Task Edits_channel_posts_messages_of_bots_and_groups_are_ignored()
    {
        await using var bot = await TelegramBot.StartAsync(kind);
        var fromBot = TelegramUpdates.Text(new TelegramUser(333333333, "Other bot", "other_bot"), "beep");
        fromBot["message"]!["from"]!["is_bot"] = true;
        var channelPost = TelegramUpdates.Text(Alice, "news");
        channelPost["channel_post"] = channelPost["message"]!.DeepClone();
        channelPost.Remove("message");

        JsonObject[] ignored =
        [
            TelegramUpdates.Edited(Alice, messageId: 5, "hello, edited"),
            fromBot,
            channelPost,
            TelegramUpdates.GroupText(-1001234567890, "Team", Alice, "hi all"),
        ];
        foreach (var update in ignored) Assert.Equal(HttpStatusCode.OK, await bot.Telegram.DeliverAsync(update, Ct));
        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "just me"), Ct);
        await bot.ReplyAsync(1);

        Assert.Equal([("user", "just me")], Conversation(Assert.Single(bot.Parley.Upstream.Requests)));
        Assert.Equal(Alice.Id, Assert.Single(bot.SentMessages).ChatId);
    }

    [Fact]
    public async Task Groups_are_answered_when_the_integration_allows_them_but_not_their_service_messages()
    {
        await using var bot = await TelegramBot.StartAsync(kind, allowGroups: true);
        var joined = TelegramUpdates.GroupText(-1001234567890, "Team", Alice, "");
        joined["message"]!.AsObject().Remove("text");
        joined["message"]!["new_chat_members"] = new JsonArray(new JsonObject { ["id"] = 444, ["is_bot"] = false, ["first_name"] = "Dan" });

        await bot.Telegram.DeliverAsync(joined, Ct);
        await bot.Telegram.DeliverAsync(TelegramUpdates.GroupText(-1001234567890, "Team", Alice, "hi all"), Ct);
        var reply = await bot.ReplyAsync(1);

        // The service message (someone joined) is no message to answer.
        Assert.Equal((-1001234567890, "echo: hi all"), (reply.ChatId, reply.Text));
        Assert.Equal([("user", "hi all")], Conversation(Assert.Single(bot.Parley.Upstream.Requests)));
        Assert.Equal("telegram:-1001234567890", Assert.Single((await bot.SessionsAsync()).EnumerateArray()).GetProperty("tag").GetString());
    }

    [Fact]
    public async Task Polling_mode_answers_updates_from_getUpdates_and_confirms_them_once_stored()
    {
        await using var bot = await TelegramBot.StartAsync(kind, mode: "polling");
        Assert.Null(bot.Telegram.Webhook);
        Assert.DoesNotContain(bot.Telegram.Calls, c => c.Method == "setWebhook");
        Assert.Equal("deleteWebhook", bot.Telegram.Calls[1].Method);
        Assert.Equal("Connected as @parley_test_bot, polling", (await bot.GetIntegrationAsync()).GetProperty("status").GetString());

        var update = TelegramUpdates.Text(Alice, "polled");
        bot.Telegram.EnqueueUpdate(update);
        Assert.Equal("echo: polled", (await bot.ReplyAsync(1)).Text);

        var updateId = update["update_id"]!.GetValue<long>();
        var confirming = await WaitForCallAsync(bot.Telegram, "getUpdates", c => c.Number("offset") == updateId + 1);
        Assert.Equal("25", confirming["timeout"]);
        Assert.Equal("[\"message\"]", confirming["allowed_updates"]);
        Assert.Equal("telegram", Assert.Single((await bot.SessionsAsync()).EnumerateArray()).GetProperty("channel").GetString());
    }

    [Fact]
    public async Task Polling_goes_on_after_telegram_failed_to_answer_a_poll()
    {
        await using var bot = await TelegramBot.StartWithoutIntegrationAsync(kind);
        bot.Telegram.FailNext("getUpdates", ChannelFault.Error(502, "Bad Gateway"));
        await bot.CreateAsync(mode: "polling");
        var first = await bot.Telegram.WaitForCallAsync("getUpdates", 1, Wait);

        // The failed poll is tried again after a backoff that runs on Parley's clock.
        await AdvanceUntilCallAsync(bot, "getUpdates", 2);
        bot.Telegram.EnqueueUpdate(TelegramUpdates.Text(Alice, "after the hiccup"));

        Assert.Equal("echo: after the hiccup", (await bot.ReplyAsync(1)).Text);
        Assert.Null(first.Number("offset"));
    }

    [Fact]
    public async Task Web_conversation_continues_in_telegram_through_a_start_link()
    {
        await using var bot = await TelegramBot.StartAsync(kind);
        var session = await bot.Parley.CreateSessionAsync(bot.ClientId);
        bot.Parley.Upstream.Enqueue(ScriptedReply.Text("Noted: order 42."));
        await bot.Parley.SendAsync(session.AccessKey, "my order is 42", Ct);

        using var response = await bot.Parley.Anonymous.PostAsync($"/api/v1/chat/{session.AccessKey}/continue", null, Ct);
        var continuation = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("data");
        var code = continuation.GetProperty("code").GetString()!;
        var link = Assert.Single(continuation.GetProperty("links").EnumerateArray());
        Assert.Equal(("telegram", $"https://t.me/parley_test_bot?start={code}"), (link.GetProperty("type").GetString(), link.GetProperty("url").GetString()));
        Assert.Matches("^go-[a-z0-9]{12}$", code);

        await bot.Telegram.DeliverAsync(TelegramUpdates.Start(Alice, code), Ct);
        Assert.Equal("Your conversation continues here.", (await bot.ReplyAsync(1)).Text);
        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "which order was it?"), Ct);
        await bot.ReplyAsync(2);

        Assert.Equal([("user", "my order is 42"), ("assistant", "Noted: order 42."), ("user", "which order was it?")],
            Conversation(bot.Parley.Upstream.Requests[^1]));
        Assert.Equal(session.SessionId, Assert.Single((await bot.SessionsAsync()).EnumerateArray()).GetProperty("id").GetGuid());
    }

    protected static int IndexOf(FakeTelegram telegram, TelegramCall call) => telegram.Calls.ToList().IndexOf(call);

    /// <summary>The conversation the model was asked to continue, without the system instruction.</summary>
    protected static List<(string Role, string Content)> Conversation(RecordedRequest request) =>
        [.. request.Messages.Where(m => m.Role != "system")];

    protected static async Task<TelegramCall> WaitForCallAsync(FakeTelegram telegram, string method, Func<TelegramCall, bool> matches)
    {
        for (var count = 1; ; count++)
        {
            var call = await telegram.WaitForCallAsync(method, count, Wait);
            if (matches(call)) return call;
        }
    }

    /// <summary>Moves Parley's clock a second at a time until the call arrives: for a wait that starts at a moment the test cannot see.</summary>
    protected static async Task<TelegramCall> AdvanceUntilCallAsync(TelegramBot bot, string method, int count)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            bot.Parley.Clock.Advance(TimeSpan.FromSeconds(1));
            try
            {
                return await bot.Telegram.WaitForCallAsync(method, count, TimeSpan.FromMilliseconds(250));
            }
            catch (TimeoutException) when (waited.Elapsed < Wait)
            {
            }
        }
    }
}

/// <summary>Cases that do not depend on the database: run once.</summary>
public sealed class TelegramOnSqlite() : TelegramTests(DatabaseKind.Sqlite)
{
    [Theory]
    [InlineData("7000000001:AAHnotTheTokenTheFakeKnows_012345678")]
    [InlineData("not-a-bot-token")]
    public async Task Token_telegram_refuses_is_rejected_and_nothing_is_stored(string token)
    {
        await using var bot = await TelegramBot.StartWithoutIntegrationAsync(Kind);

        using var response = await bot.CreateIntegrationAsync(new { type = "telegram", botToken = token, apiBaseAddress = bot.Telegram.BaseAddress });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("channel_rejected", problem.GetProperty("code").GetString());
        Assert.Contains("token", problem.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, problem.GetRawText(), StringComparison.Ordinal);
        Assert.Empty((await bot.ListIntegrationsAsync()).EnumerateArray());
        Assert.Null(bot.Telegram.Webhook);
    }

    [Fact]
    public async Task Webhook_address_telegram_refuses_is_rejected_with_its_reason()
    {
        await using var bot = await TelegramBot.StartWithoutIntegrationAsync(Kind);
        bot.Telegram.FailNext("setWebhook", ChannelFault.Error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"));

        using var response = await bot.CreateIntegrationAsync(new { type = "telegram", botToken = bot.Telegram.Token, apiBaseAddress = bot.Telegram.BaseAddress });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal((HttpStatusCode.BadRequest, "channel_rejected"), (response.StatusCode, problem.GetProperty("code").GetString()));
        Assert.StartsWith("Telegram refused the webhook URL http://127.0.0.1:", problem.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("An HTTPS URL must be provided for webhook", problem.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty((await bot.ListIntegrationsAsync()).EnumerateArray());
    }

    [Fact]
    public async Task Telegram_out_of_reach_at_creation_is_a_502_and_nothing_is_stored()
    {
        await using var bot = await TelegramBot.StartWithoutIntegrationAsync(Kind);
        bot.Telegram.Down = true;

        using var response = await bot.CreateIntegrationAsync(new { type = "telegram", botToken = bot.Telegram.Token, apiBaseAddress = bot.Telegram.BaseAddress });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal((HttpStatusCode.BadGateway, "channel_unavailable"), (response.StatusCode, problem.GetProperty("code").GetString()));
        Assert.Empty((await bot.ListIntegrationsAsync()).EnumerateArray());
    }

    [Fact]
    public async Task Polling_stops_when_telegram_refuses_the_token_and_starts_again_when_the_integration_changes()
    {
        await using var bot = await TelegramBot.StartWithoutIntegrationAsync(Kind);
        bot.Telegram.FailNext("getUpdates", ChannelFault.Error(401, "Unauthorized"));
        await bot.CreateAsync(mode: "polling");

        await bot.WaitForStatusAsync("Polling stopped: Telegram refused the bot token");
        await Task.Delay(TimeSpan.FromSeconds(4), Ct); // longer than the poller takes to look at the integrations again
        Assert.Single(bot.Telegram.Calls, c => c.Method == "getUpdates");

        using var update = await bot.Parley.Admin.PutAsJsonAsync(bot.IntegrationPath,
            new { type = "telegram", mode = "polling", apiBaseAddress = bot.Telegram.BaseAddress, debounceMilliseconds = 0 }, Ct);
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        bot.Telegram.EnqueueUpdate(TelegramUpdates.Text(TelegramUser.Bob, "back?"));

        Assert.Equal("echo: back?", (await bot.ReplyAsync(1)).Text);
    }

    [Fact]
    public async Task Bot_token_appears_in_no_response_and_no_log_line()
    {
        await using var bot = await TelegramBot.StartAsync(Kind, arguments: ["--Logging:LogLevel:System.Net.Http=Trace", "--Logging:LogLevel:Parley=Trace"]);
        var secret = bot.Telegram.Token[(bot.Telegram.Token.IndexOf(':', StringComparison.Ordinal) + 1)..];
        bot.Telegram.FailNext("sendMessage", ChannelFault.DropConnection);

        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(Alice, "hi"), Ct);
        await bot.WaitForStatusAsync("Could not deliver an answer");
        bot.Parley.Clock.Advance(TimeSpan.FromSeconds(3));
        await bot.ReplyAsync(2);
        using var put = await bot.Parley.Admin.PutAsJsonAsync(bot.IntegrationPath,
            new { type = "telegram", apiBaseAddress = bot.Telegram.BaseAddress, debounceMilliseconds = 0 }, Ct);
        string[] responses =
        [
            bot.CreatedJson,
            await put.Content.ReadAsStringAsync(Ct),
            (await bot.GetIntegrationAsync()).GetRawText(),
            (await bot.ListIntegrationsAsync()).GetRawText(),
        ];

        Assert.Equal("700…6789", (await bot.GetIntegrationAsync()).GetProperty("botToken").GetString());
        Assert.All(responses, body => Assert.DoesNotContain(secret, body, StringComparison.Ordinal));
        var lines = bot.Parley.Logs.GetSnapshot().Select(r => $"{r.Message} {r.Exception}").ToList();
        // The Bot API calls were logged, the token in their path cut to its hint.
        Assert.Contains(lines, line => line.Contains("/bot700…6789/sendMessage", StringComparison.Ordinal));
        Assert.All(lines, line => Assert.DoesNotContain(secret, line, StringComparison.Ordinal));
    }
}

public sealed class TelegramOnPostgres() : TelegramTests(DatabaseKind.Postgres);
