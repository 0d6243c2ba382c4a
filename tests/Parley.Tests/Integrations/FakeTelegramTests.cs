using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Testing.Channels;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace Parley.Tests.Integrations;

// The fake is proven with Telegram.Bot, the client Parley uses: whatever the library reads from it, Parley will.
public class FakeTelegramTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetMe_answers_the_configured_bot()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        telegram.Bot = new TelegramUser(7000000001, "Acme Assistant", "acme_assistant_bot", LanguageCode: null);
        using var http = new HttpClient();

        var me = await Client(telegram, http).GetMe(Ct);

        Assert.Equal((7000000001, true, "Acme Assistant", "acme_assistant_bot"), (me.Id, me.IsBot, me.FirstName, me.Username));
        Assert.Equal("getMe", Assert.Single(telegram.Calls).Method);
    }

    [Fact]
    public async Task Wrong_token_is_refused_with_401_Unauthorized()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();

        var error = await Assert.ThrowsAsync<ApiRequestException>(() => Client(telegram, http, token: "7000000001:not-the-token").GetMe(Ct));
        using var raw = await http.PostAsync(new Uri(telegram.BaseAddress, "/bot123:wrong/getMe"), null, Ct);

        Assert.Equal((401, "Unauthorized"), (error.ErrorCode, error.Message));
        Assert.Equal(HttpStatusCode.Unauthorized, raw.StatusCode);
        Assert.Equal("""{"ok":false,"error_code":401,"description":"Unauthorized"}""", await raw.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Webhook_set_is_reported_by_GetWebhookInfo_blocks_getUpdates_and_receives_deliveries_with_the_secret()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        using var http = new HttpClient();
        var bot = Client(telegram, http);
        var url = receiver.Url("/telegram/webhook");

        await bot.SetWebhook(url.ToString(), allowedUpdates: [UpdateType.Message, UpdateType.EditedMessage], secretToken: "s3cret_Token-1", cancellationToken: Ct);
        var info = await bot.GetWebhookInfo(Ct);
        var conflict = await Assert.ThrowsAsync<ApiRequestException>(() => bot.GetUpdates(cancellationToken: Ct));
        var status = await telegram.DeliverAsync(TelegramUpdates.Text(TelegramUser.Alice, "hello", updateId: 77), Ct);

        Assert.Equal(url.ToString(), info.Url);
        Assert.Equal([UpdateType.Message, UpdateType.EditedMessage], info.AllowedUpdates);
        Assert.Equal((url, "s3cret_Token-1"), (telegram.Webhook?.Url, telegram.Webhook?.SecretToken));
        Assert.Equal(["message", "edited_message"], telegram.Webhook!.AllowedUpdates);
        Assert.Equal(409, conflict.ErrorCode);
        Assert.Contains("can't use getUpdates method while webhook is active", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, status);
        var delivery = Assert.Single(receiver.Received);
        Assert.Equal("/telegram/webhook", delivery.Path);
        Assert.Equal("s3cret_Token-1", delivery.Headers["X-Telegram-Bot-Api-Secret-Token"]);
        Assert.Equal("application/json", delivery.Headers["Content-Type"]);
        var update = JsonSerializer.Deserialize<Update>(delivery.Body, JsonBotAPI.Options)!;
        Assert.Equal((77, "hello", TelegramUser.Alice.Id), (update.Id, update.Message!.Text, update.Message.Chat.Id));

        await bot.DeleteWebhook(cancellationToken: Ct);

        Assert.Null(telegram.Webhook);
        Assert.Equal("", (await bot.GetWebhookInfo(Ct)).Url);
        Assert.Empty(await bot.GetUpdates(timeout: 0, cancellationToken: Ct));
    }

    [Fact]
    public async Task Webhook_with_characters_Telegram_refuses_in_its_secret_is_not_set()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();

        var error = await Assert.ThrowsAsync<ApiRequestException>(() =>
            Client(telegram, http).SetWebhook("http://127.0.0.1:9/hook", secretToken: "base64+/=", cancellationToken: Ct));

        Assert.Equal(400, error.ErrorCode);
        Assert.Null(telegram.Webhook);
    }

    [Fact]
    public async Task Deliver_returns_the_status_the_webhook_answered()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = 401;

        var status = await telegram.DeliverAsync(receiver.Url("/hook"), TelegramUpdates.Text(TelegramUser.Bob, "hi"), secretToken: null, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.False(receiver.Received[0].Headers.ContainsKey("X-Telegram-Bot-Api-Secret-Token"));
    }

    [Fact]
    public async Task SendMessage_in_html_answers_the_plain_text_with_its_entities_and_records_the_call()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();

        var sent = await Client(telegram, http).SendMessage(TelegramUser.Alice.Id, "<b>Hi</b> there &amp; <a href=\"https://example.com\">you</a>",
            ParseMode.Html, replyParameters: 42, cancellationToken: Ct);

        Assert.Equal("Hi there & you", sent.Text);
        Assert.Equal([(MessageEntityType.Bold, 0, 2), (MessageEntityType.TextLink, 11, 3)], sent.Entities!.Select(e => (e.Type, e.Offset, e.Length)));
        Assert.Equal("https://example.com", sent.Entities![1].Url);
        Assert.Equal((TelegramUser.Alice.Id, ChatType.Private), (sent.Chat.Id, sent.Chat.Type));
        Assert.True(sent.From!.IsBot);
        Assert.True(sent.Id > 0);
        var call = await telegram.WaitForCallAsync("sendMessage", 1, TimeSpan.FromSeconds(5));
        Assert.Equal((TelegramUser.Alice.Id, 42L), (call.ChatId, call.ReplyToMessageId));
        Assert.Equal("HTML", call.ParseMode, ignoreCase: true); // Telegram.Bot sends "Html"; Telegram takes any case
        Assert.Equal("<b>Hi</b> there &amp; <a href=\"https://example.com\">you</a>", call.Text);
    }

    [Theory]
    [InlineData("2 < 3", "Bad Request: can't parse entities: Unsupported start tag \"\" at byte offset 2")]
    [InlineData("<b>bold", "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"")]
    [InlineData("<div>x</div>", "Bad Request: can't parse entities: Unsupported start tag \"div\" at byte offset 0")]
    [InlineData("<b><i>x</b></i>", "Bad Request: can't parse entities: Unmatched end tag at byte offset 7, expected \"</i>\", found \"</b>\"")]
    [InlineData("<b> </b>", "Bad Request: message text is empty")]
    public async Task Html_Telegram_cannot_use_is_refused_with_its_400_description(string html, string description)
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();

        var error = await Assert.ThrowsAsync<ApiRequestException>(() => Client(telegram, http).SendMessage(1, html, ParseMode.Html, cancellationToken: Ct));

        Assert.Equal((400, description), (error.ErrorCode, error.Message));
    }

    [Fact]
    public async Task Text_longer_than_4096_characters_after_parsing_is_refused()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();
        var bot = Client(telegram, http);

        var fits = await bot.SendMessage(1, $"<b>{new string('a', 4096)}</b>", ParseMode.Html, cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<ApiRequestException>(() => bot.SendMessage(1, new string('a', 4097), cancellationToken: Ct));

        Assert.Equal(4096, fits.Text!.Length);
        Assert.Equal((400, "Bad Request: message is too long"), (error.ErrorCode, error.Message));
    }

    [Fact]
    public async Task EditMessageText_changes_a_sent_message_and_refuses_an_edit_that_changes_nothing()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();
        var bot = Client(telegram, http);
        var sent = await bot.SendMessage(5, "Hel", cancellationToken: Ct);

        var edited = await bot.EditMessageText(5, sent.Id, "Hello", cancellationToken: Ct);
        var same = await Assert.ThrowsAsync<ApiRequestException>(() => bot.EditMessageText(5, sent.Id, "Hello", cancellationToken: Ct));
        var unknown = await Assert.ThrowsAsync<ApiRequestException>(() => bot.EditMessageText(5, sent.Id + 1000, "x", cancellationToken: Ct));

        Assert.Equal((sent.Id, "Hello"), (edited.Id, edited.Text));
        Assert.NotNull(edited.EditDate);
        Assert.StartsWith("Bad Request: message is not modified", same.Message, StringComparison.Ordinal);
        Assert.Equal("Bad Request: message to edit not found", unknown.Message);
    }

    [Fact]
    public async Task SendChatAction_records_the_chat_and_the_action()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();

        await Client(telegram, http).SendChatAction(TelegramUser.Bob.Id, ChatAction.Typing, cancellationToken: Ct);

        var call = Assert.Single(telegram.Calls);
        Assert.Equal(("sendChatAction", TelegramUser.Bob.Id, "typing"), (call.Method, call.ChatId, call.Action));
    }

    [Fact]
    public async Task GetUpdates_returns_queued_updates_in_order_and_an_offset_past_them_confirms_them()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();
        var bot = Client(telegram, http);
        telegram.EnqueueUpdate(TelegramUpdates.Start(TelegramUser.Alice, "abc123", updateId: 11));
        telegram.EnqueueUpdate(TelegramUpdates.Text(TelegramUser.Bob, "hi", updateId: 10));
        telegram.EnqueueUpdate(TelegramUpdates.Text(TelegramUser.Bob, "again", updateId: 12));

        var first = await bot.GetUpdates(limit: 2, timeout: 0, cancellationToken: Ct);
        var unconfirmed = await bot.GetUpdates(timeout: 0, cancellationToken: Ct);
        var rest = await bot.GetUpdates(offset: first[^1].Id + 1, timeout: 0, cancellationToken: Ct);
        var none = await bot.GetUpdates(offset: rest[^1].Id + 1, timeout: 0, cancellationToken: Ct);

        Assert.Equal([10, 11], first.Select(u => u.Id));
        Assert.Equal([10, 11, 12], unconfirmed.Select(u => u.Id));
        Assert.Equal([12], rest.Select(u => u.Id));
        Assert.Empty(none);
        var start = first[1].Message!;
        Assert.Equal(("/start abc123", MessageEntityType.BotCommand, 6), (start.Text, start.Entities![0].Type, start.Entities[0].Length));
        Assert.Equal((TelegramUser.Alice.Id, "alice_test"), (start.From!.Id, start.From.Username));
        Assert.Equal("getUpdates", telegram.Calls[^1].Method);
        Assert.Equal(13L, long.Parse(telegram.Calls[^1]["offset"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Update_builders_read_back_as_the_updates_Telegram_Bot_expects()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();
        telegram.EnqueueUpdate(TelegramUpdates.Edited(TelegramUser.Alice, messageId: 500, "fixed typo"));
        telegram.EnqueueUpdate(TelegramUpdates.GroupText(-1001234567890, "Team", TelegramUser.Bob, "@parley_test_bot hi"));
        telegram.EnqueueUpdate(TelegramUpdates.Photo(TelegramUser.Alice, caption: "look"));
        telegram.EnqueueUpdate(TelegramUpdates.Text(TelegramUser.Bob, "ok", date: DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)));

        var updates = await Client(telegram, http).GetUpdates(timeout: 0, cancellationToken: Ct);

        Assert.Equal([UpdateType.EditedMessage, UpdateType.Message, UpdateType.Message, UpdateType.Message], updates.Select(u => u.Type));
        Assert.Equal((500, "fixed typo"), (updates[0].EditedMessage!.Id, updates[0].EditedMessage!.Text));
        Assert.NotNull(updates[0].EditedMessage!.EditDate);
        Assert.Equal((-1001234567890, ChatType.Supergroup, "Team"), (updates[1].Message!.Chat.Id, updates[1].Message!.Chat.Type, updates[1].Message!.Chat.Title));
        Assert.Equal(TelegramUser.Bob.Id, updates[1].Message!.From!.Id);
        Assert.Equal((MessageType.Photo, "look", 3), (updates[2].Message!.Type, updates[2].Message!.Caption, updates[2].Message!.Photo!.Length));
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1_700_000_000), updates[3].Message!.Date);
        Assert.True(updates.Select(u => u.Id).Order().SequenceEqual(updates.Select(u => u.Id)));
    }

    [Fact]
    public async Task GetUpdates_long_poll_answers_as_soon_as_an_update_arrives()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();

        var poll = Client(telegram, http).GetUpdates(timeout: 30, cancellationToken: Ct);
        await telegram.WaitForCallAsync("getUpdates", 1, TimeSpan.FromSeconds(5));
        await Task.Delay(200, Ct);
        Assert.False(poll.IsCompleted); // nothing queued yet: the poll waits
        var enqueuedAt = Stopwatch.GetTimestamp();
        telegram.EnqueueUpdate(TelegramUpdates.Text(TelegramUser.Alice, "late"));
        var updates = await poll.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal("late", Assert.Single(updates).Message!.Text);
        Assert.True(Stopwatch.GetElapsedTime(enqueuedAt) < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task GetUpdates_long_poll_answers_empty_once_its_timeout_passes()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();
        var started = Stopwatch.GetTimestamp();

        var updates = await Client(telegram, http).GetUpdates(timeout: 1, cancellationToken: Ct);

        Assert.Empty(updates);
        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(900), "answered before the timeout");
    }

    [Fact]
    public async Task A_second_getUpdates_ends_the_waiting_one_with_a_409_conflict()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();
        var bot = Client(telegram, http);

        var waiting = bot.GetUpdates(timeout: 30, cancellationToken: Ct);
        await telegram.WaitForCallAsync("getUpdates", 1, TimeSpan.FromSeconds(5));
        var second = await bot.GetUpdates(timeout: 0, cancellationToken: Ct);
        var conflict = await Assert.ThrowsAsync<ApiRequestException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct));

        Assert.Empty(second);
        Assert.Equal(409, conflict.ErrorCode);
        Assert.Equal("Conflict: terminated by other getUpdates request; make sure that only one bot instance is running", conflict.Message);
    }

    [Fact]
    public async Task Too_many_requests_carries_retry_after_in_the_exception_parameters()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();
        telegram.FailNext("sendMessage", ChannelFault.TooManyRequests(TimeSpan.FromSeconds(7)));

        var error = await Assert.ThrowsAsync<ApiRequestException>(() => Client(telegram, http).SendMessage(1, "hi", cancellationToken: Ct));

        Assert.Equal((429, "Too Many Requests: retry after 7", 7), (error.ErrorCode, error.Message, error.Parameters?.RetryAfter));
        Assert.Single(telegram.Calls);
    }

    [Fact]
    public async Task Telegram_Bot_with_its_default_retry_waits_retry_after_then_sends_again()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();
        telegram.FailNext("sendMessage", ChannelFault.TooManyRequests(TimeSpan.FromSeconds(1)));
        var started = Stopwatch.GetTimestamp();

        var sent = await Client(telegram, http, retry: true).SendMessage(1, "hi", cancellationToken: Ct);

        Assert.Equal("hi", sent.Text);
        Assert.Equal(2, telegram.Calls.Count);
        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(900), "sent again before retry_after");
    }

    [Fact]
    public async Task Scripted_faults_answer_the_next_calls_then_the_method_works_again()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();
        var bot = Client(telegram, http);
        telegram.FailNext("getMe", ChannelFault.Error(500), times: 2);
        telegram.FailNext("sendMessage", ChannelFault.Error(403, "Forbidden: bot was blocked by the user"));

        var first = await Assert.ThrowsAsync<ApiRequestException>(() => bot.GetMe(Ct));
        var second = await Assert.ThrowsAsync<ApiRequestException>(() => bot.GetMe(Ct));
        var blocked = await Assert.ThrowsAsync<ApiRequestException>(() => bot.SendMessage(1, "hi", cancellationToken: Ct));

        Assert.Equal((500, "Internal Server Error"), (first.ErrorCode, first.Message));
        Assert.Equal(500, second.ErrorCode);
        Assert.Equal((403, "Forbidden: bot was blocked by the user"), (blocked.ErrorCode, blocked.Message));
        Assert.Equal("Parley Test Bot", (await bot.GetMe(Ct)).FirstName);
    }

    [Fact]
    public async Task Scripted_fault_after_a_number_of_calls_lets_those_calls_through_first()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();
        var bot = Client(telegram, http);
        telegram.FailNext("sendMessage", ChannelFault.TooManyRequests(TimeSpan.FromSeconds(3)), after: 2);

        await bot.SendMessage(1, "first", cancellationToken: Ct);
        await bot.SendMessage(1, "second", cancellationToken: Ct);
        var third = await Assert.ThrowsAsync<ApiRequestException>(() => bot.SendMessage(1, "third", cancellationToken: Ct));

        Assert.Equal(429, third.ErrorCode);
        Assert.Equal("third", (await bot.SendMessage(1, "third", cancellationToken: Ct)).Text);
    }

    [Fact]
    public async Task Dropped_connection_and_a_down_api_surface_as_request_failures_without_an_api_error()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();
        var bot = Client(telegram, http);
        telegram.FailNext("sendMessage", ChannelFault.DropConnection);

        var dropped = await Assert.ThrowsAsync<RequestException>(() => bot.SendMessage(1, "hi", cancellationToken: Ct));
        telegram.Down = true;
        var down = await Assert.ThrowsAsync<RequestException>(() => bot.GetMe(Ct));
        using var page = await http.PostAsync(new Uri(telegram.BaseAddress, $"/bot{telegram.Token}/getMe"), null, Ct);
        telegram.Down = false;

        Assert.IsNotType<ApiRequestException>(dropped);
        Assert.IsType<HttpRequestException>(dropped.InnerException);
        Assert.IsNotType<ApiRequestException>(down);
        Assert.Equal(HttpStatusCode.BadGateway, down.HttpStatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("502 Bad Gateway", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal("Parley Test Bot", (await bot.GetMe(Ct)).FirstName);
    }

    [Fact]
    public async Task Stopped_api_refuses_connections_and_answers_again_on_the_same_port_with_its_state()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();
        var bot = Client(telegram, http);
        var address = telegram.BaseAddress;
        telegram.EnqueueUpdate(TelegramUpdates.Text(TelegramUser.Alice, "kept"));

        await telegram.StopAsync();
        var refused = await Assert.ThrowsAsync<RequestException>(() => bot.GetMe(Ct));
        await telegram.StartAgainAsync();
        var updates = await bot.GetUpdates(timeout: 0, cancellationToken: Ct);

        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(refused.InnerException?.InnerException).SocketErrorCode);
        Assert.Equal(address, telegram.BaseAddress);
        Assert.Equal("kept", Assert.Single(updates).Message!.Text);
    }

    [Fact]
    public async Task Form_and_query_parameters_are_read_like_json_and_unknown_methods_get_404()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();
        var method = new Uri(telegram.BaseAddress, $"/bot{telegram.Token}/sendMessage?parse_mode=HTML");

        using var form = await http.PostAsync(method, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["chat_id"] = "-100200300",
            ["text"] = "<i>form</i>",
            ["reply_parameters"] = """{"message_id":9}""",
        }), Ct);
        using var unknown = await http.PostAsync(new Uri(telegram.BaseAddress, $"/bot{telegram.Token}/sendTelepathy"), null, Ct);

        var result = JsonNode.Parse(await form.Content.ReadAsStringAsync(Ct))!["result"]!;
        Assert.Equal(("form", "group"), (result["text"]!.GetValue<string>(), result["chat"]!["type"]!.GetValue<string>()));
        Assert.Equal((-100200300L, "HTML", 9L), (telegram.Calls[0].ChatId, telegram.Calls[0].ParseMode, telegram.Calls[0].ReplyToMessageId));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("""{"ok":false,"error_code":404,"description":"Not Found"}""", await unknown.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task WaitForCallAsync_returns_the_nth_call_of_a_method_and_times_out_when_it_never_comes()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        using var http = new HttpClient();
        var bot = Client(telegram, http);

        await bot.SendMessage(1, "one", cancellationToken: Ct);
        await bot.SendChatAction(1, ChatAction.Typing, cancellationToken: Ct);
        await bot.SendMessage(1, "two", cancellationToken: Ct);

        Assert.Equal("two", (await telegram.WaitForCallAsync("sendMessage", 2, TimeSpan.FromSeconds(5))).Text);
        await Assert.ThrowsAsync<TimeoutException>(() => telegram.WaitForCallAsync("sendMessage", 3, TimeSpan.FromMilliseconds(100)));
    }

    // Retries off unless asked: a test that scripts a 429 wants to see it, not wait it out.
    static TelegramBotClient Client(FakeTelegram telegram, HttpClient http, string? token = null, bool retry = false) =>
        new(new TelegramBotClientOptions(token ?? telegram.Token, telegram.BaseAddress.ToString()) { RetryThreshold = retry ? 60 : 0 }, http, Ct);
}
