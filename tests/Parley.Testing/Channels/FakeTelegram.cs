using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static Parley.Testing.Channels.BotApiWire;

namespace Parley.Testing.Channels;

/// <summary>The webhook a bot registered with setWebhook.</summary>
public sealed record TelegramWebhook(Uri Url, string? SecretToken, IReadOnlyList<string>? AllowedUpdates);

/// <summary>
/// A local Telegram Bot API on a random loopback port, answering <c>{BaseAddress}/bot{token}/{method}</c> the way
/// api.telegram.org does (https://core.telegram.org/bots/api): the <c>{ ok, result }</c> envelope, its errors with
/// error_code, description and parameters.retry_after, long polling with offsets and the 409 conflicts, webhooks with
/// their secret token. Give Telegram.Bot <see cref="BaseAddress"/> as its baseUrl. Every call is recorded, including
/// the ones it refuses.
/// </summary>
public sealed partial class FakeTelegram : IAsyncDisposable
{
    public const string DefaultToken = "7000000001:AAHparleyFakeTelegramToken_0123456789";

    // Without allowed_updates Telegram sends every kind of update except these.
    static readonly string[] OptInUpdates = ["chat_member", "message_reaction", "message_reaction_count"];
    static readonly HashSet<string> ChatActions = ["typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"];

    readonly FakeHost host;
    readonly CallLog<TelegramCall> calls = new();
    readonly FaultScript faults = new();
    readonly HttpClient deliveries = new();
    readonly Lock gate = new();
    readonly List<JsonObject> pending = [];
    readonly Dictionary<(long Chat, long Message), string> sentContent = [];
    TaskCompletionSource updatesChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    long pollGeneration;
    HashSet<string>? allowedUpdates;
    TelegramWebhook? webhook;

    FakeTelegram(string token)
    {
        var colon = token.IndexOf(':', StringComparison.Ordinal);
        if (colon < 1 || !long.TryParse(token[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out var botId))
            throw new ArgumentException("A bot token is the bot's id, a colon and a secret.", nameof(token));
        Token = token;
        RunLog.NoteSecret(token);
        Bot = new(botId, "Parley Test Bot", "parley_test_bot", LanguageCode: null);
        host = new(HandleAsync);
    }

    public string Token { get; }

    /// <summary>What getMe answers, and the sender of the messages the bot sends.</summary>
    public TelegramUser Bot { get; set; }

    /// <summary>scheme://host:port only: Telegram.Bot drops any path of its baseUrl.</summary>
    public Uri BaseAddress => host.BaseAddress;

    public IReadOnlyList<TelegramCall> Calls => calls.All;

    public TelegramWebhook? Webhook
    {
        get { lock (gate) return webhook; }
    }

    /// <summary>While true, every call gets the HTML 502 page of the proxy in front of the API.</summary>
    public bool Down
    {
        get => host.Down;
        set => host.Down = value;
    }

    public static async Task<FakeTelegram> StartAsync(string token = DefaultToken)
    {
        var telegram = new FakeTelegram(token);
        await telegram.host.StartAsync();
        return telegram;
    }

    /// <summary>Stops listening: connections are refused until <see cref="StartAgainAsync"/>, on the same port.</summary>
    public Task StopAsync() => host.StopAsync();

    public Task StartAgainAsync() => host.StartAsync();

    /// <summary>
    /// The next <paramref name="times"/> calls of <paramref name="method"/> get <paramref name="fault"/>, or the ones
    /// after the next <paramref name="after"/> calls, which answer normally (to fail the second part of a long reply).
    /// </summary>
    public void FailNext(string method, ChannelFault fault, int times = 1, int after = 0) => faults.Add(method, fault, times, after);

    /// <summary>The <paramref name="count"/>-th call of <paramref name="method"/>, waiting for it to arrive.</summary>
    public Task<TelegramCall> WaitForCallAsync(string method, int count, TimeSpan timeout) =>
        calls.WaitForAsync(c => c.Method.Equals(method, StringComparison.OrdinalIgnoreCase), count, timeout, method);

    /// <summary>Queues an update for getUpdates and wakes a waiting long poll.</summary>
    public void EnqueueUpdate(JsonObject update)
    {
        var queued = update.DeepClone().AsObject();
        queued["update_id"] ??= TelegramUpdates.NextUpdateId();
        lock (gate)
        {
            pending.Add(queued);
            pending.Sort((a, b) => UpdateId(a).CompareTo(UpdateId(b)));
            Wake();
        }
    }

    /// <summary>POSTs an update to a webhook as Telegram does and returns the status the webhook answered.</summary>
    public async Task<HttpStatusCode> DeliverAsync(Uri webhookUrl, JsonObject update, string? secretToken, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, webhookUrl) { Content = new StringContent(update.ToJsonString()) };
        request.Content.Headers.ContentType = new("application/json");
        if (secretToken is not null)
            request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secretToken);
        using var response = await deliveries.SendAsync(request, ct);
        return response.StatusCode;
    }

    /// <summary>Delivers to the webhook the bot registered, with the secret it registered.</summary>
    public Task<HttpStatusCode> DeliverAsync(JsonObject update, CancellationToken ct = default) =>
        Webhook is { } registered
            ? DeliverAsync(registered.Url, update, registered.SecretToken, ct)
            : throw new InvalidOperationException("No webhook is set: the bot has not called setWebhook.");

    public async ValueTask DisposeAsync()
    {
        await host.DisposeAsync();
        deliveries.Dispose();
    }

    async Task HandleAsync(HttpContext context)
    {
        if (ParsePath(context.Request.Path.Value) is not var (token, method))
        {
            await WriteAsync(context.Response, Error(404, "Not Found"));
            return;
        }
        var call = new TelegramCall(method, await ReadParametersAsync(context.Request, context.RequestAborted));
        // A getUpdates ends the one still waiting as it arrives, before it is recorded: a test that saw a poll arrive
        // knows that any later one ends it.
        var poll = token == Token && method.Equals("getUpdates", StringComparison.OrdinalIgnoreCase) ? StartPoll() : 0;
        calls.Add(call);

        if (host.Down)
        {
            await FakeHost.WriteBadGatewayAsync(context.Response);
            return;
        }
        if (token != Token)
        {
            await WriteAsync(context.Response, Error(401, "Unauthorized"));
            return;
        }
        if (faults.TakeNext(method) is { } fault)
        {
            if (fault.Drop)
                context.Abort();
            else
                await WriteAsync(context.Response, Error(fault));
            return;
        }

        try
        {
            var answer = method.ToLowerInvariant() switch
            {
                "getme" => GetMe(),
                "setwebhook" => SetWebhook(call),
                "deletewebhook" => DeleteWebhook(call),
                "getwebhookinfo" => GetWebhookInfo(),
                "sendmessage" => SendMessage(call),
                "editmessagetext" => EditMessageText(call),
                "sendchataction" => SendChatAction(call),
                "getupdates" => await GetUpdatesAsync(call, poll, context.RequestAborted),
                _ => Error(404, "Not Found"),
            };
            await WriteAsync(context.Response, answer);
        }
        catch (OperationCanceledException)
        {
            context.Abort(); // the fake is stopping, or the caller gave up on a long poll
        }
    }

    JsonObject GetMe()
    {
        var bot = Bot.ToJson(isBot: true);
        bot["can_join_groups"] = true;
        bot["can_read_all_group_messages"] = false;
        bot["supports_inline_queries"] = false;
        return Ok(bot);
    }

    JsonObject SetWebhook(TelegramCall call)
    {
        var url = call["url"] ?? "";
        if (url.Length == 0)
            return DeleteWebhook(call);
        // Telegram wants HTTPS on port 443, 80, 88 or 8443; the fake takes any http(s) URL, as tests listen on plain http.
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return Error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
        var secret = call["secret_token"];
        if (secret is not null && !SecretToken().IsMatch(secret))
            return Error(400, "Bad Request: secret token contains unallowed characters");

        lock (gate)
        {
            var unchanged = webhook?.Url == uri;
            var allowed = call.Parameters["allowed_updates"] is JsonArray list ? Strings(list) : webhook?.AllowedUpdates;
            webhook = new(uri, secret, allowed);
            DropPendingIfAsked(call);
            return Ok(true, unchanged ? "Webhook is already set" : "Webhook was set");
        }
    }

    JsonObject DeleteWebhook(TelegramCall call)
    {
        lock (gate)
        {
            var existed = webhook is not null;
            webhook = null;
            DropPendingIfAsked(call);
            return Ok(true, existed ? "Webhook was deleted" : "Webhook is already deleted");
        }
    }

    JsonObject GetWebhookInfo()
    {
        lock (gate)
        {
            var info = new JsonObject { ["url"] = webhook?.Url.ToString() ?? "", ["has_custom_certificate"] = false, ["pending_update_count"] = pending.Count };
            if (webhook is not null)
            {
                info["max_connections"] = 40;
                info["ip_address"] = "127.0.0.1";
                if (webhook.AllowedUpdates is { } allowed)
                    info["allowed_updates"] = new JsonArray([.. allowed.Select(a => JsonValue.Create(a))]);
            }
            return Ok(info);
        }
    }

    JsonObject SendMessage(TelegramCall call)
    {
        if (ChatRefusal(call) is { } refused)
            return refused;
        var (text, entities, error) = Render(call);
        if (error is not null)
            return Error(400, error);

        var (chatId, messageId) = (call.ChatId!.Value, TelegramUpdates.NextMessageId());
        lock (gate)
            sentContent[(chatId, messageId)] = text + entities.ToJsonString();
        return Ok(Message(chatId, messageId, text, entities));
    }

    JsonObject EditMessageText(TelegramCall call)
    {
        if (ChatRefusal(call) is { } refused)
            return refused;
        if (call.Number("message_id") is not { } messageId)
            return Error(400, "Bad Request: message identifier is not specified");
        var (text, entities, error) = Render(call);
        if (error is not null)
            return Error(400, error);

        var key = (call.ChatId!.Value, messageId);
        lock (gate)
        {
            if (!sentContent.TryGetValue(key, out var current))
                return Error(400, "Bad Request: message to edit not found");
            // Streaming edits hit this when nothing new arrived since the last edit.
            if (current == text + entities.ToJsonString())
                return Error(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
            sentContent[key] = text + entities.ToJsonString();
        }
        var message = Message(key.Item1, messageId, text, entities);
        message["edit_date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return Ok(message);
    }

    static JsonObject SendChatAction(TelegramCall call)
    {
        if (ChatRefusal(call) is { } refused)
            return refused;
        return call.Action is { } action && ChatActions.Contains(action)
            ? Ok(true)
            : Error(400, "Bad Request: wrong parameter action in request");
    }

    long StartPoll()
    {
        lock (gate)
        {
            Wake();
            return ++pollGeneration;
        }
    }

    async Task<JsonObject> GetUpdatesAsync(TelegramCall call, long poll, CancellationToken requestAborted)
    {
        var offset = call.Number("offset") ?? 0;
        var limit = (int)Math.Clamp(call.Number("limit") ?? 100, 1, 100);
        var timeout = TimeSpan.FromSeconds(Math.Max(0, call.Number("timeout") ?? 0));
        lock (gate)
        {
            if (webhook is not null)
                return Error(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
            if (call.Parameters["allowed_updates"] is JsonArray allowed)
                allowedUpdates = allowed.Count == 0 ? null : [.. Strings(allowed)];
            Confirm(offset);
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, host.Stopping);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            Task changed;
            lock (gate)
            {
                if (poll != pollGeneration)
                    return Error(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");
                var batch = pending.Where(IsAllowed).Take(limit).Select(u => u.DeepClone()).ToArray();
                if (batch.Length > 0)
                    return Ok(new JsonArray(batch));
                changed = updatesChanged.Task;
            }

            var remaining = timeout - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
                return Ok(new JsonArray());
            try
            {
                await changed.WaitAsync(remaining, stopping.Token);
            }
            catch (TimeoutException)
            {
                // the loop answers the empty batch
            }
        }
    }

    // An update counts as received once a later getUpdates asks for an offset past it; a negative offset keeps only
    // that many of the newest.
    void Confirm(long offset)
    {
        if (offset > 0)
            pending.RemoveAll(u => UpdateId(u) < offset);
        else if (offset < 0 && -offset < pending.Count)
            pending.RemoveRange(0, pending.Count - (int)-offset);
    }

    bool IsAllowed(JsonObject update)
    {
        var kind = update.Select(p => p.Key).FirstOrDefault(k => k != "update_id") ?? "";
        return allowedUpdates?.Contains(kind) ?? !OptInUpdates.Contains(kind);
    }

    void DropPendingIfAsked(TelegramCall call)
    {
        if (call["drop_pending_updates"] is "true")
            pending.Clear();
    }

    void Wake()
    {
        updatesChanged.TrySetResult();
        updatesChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    // Telegram reads a parse_mode of HTML for the checks that matter here (bad markup, empty or too long text); Markdown
    // modes are passed through unread.
    static (string Text, JsonArray Entities, string? Error) Render(TelegramCall call)
    {
        var (text, entities, error) = call.ParseMode?.ToLowerInvariant() switch
        {
            null or "" => (call.Text ?? "", call.Parameters["entities"]?.DeepClone() as JsonArray ?? [], null),
            "html" => TelegramHtml.Parse(call.Text ?? ""),
            "markdown" or "markdownv2" => (call.Text ?? "", [], null),
            _ => ("", [], "Bad Request: unsupported parse_mode"),
        };
        return error is not null ? (text, entities, error)
            : text.Trim().Length == 0 ? (text, entities, "Bad Request: message text is empty")
            : text.Length > 4096 ? (text, entities, "Bad Request: message is too long")
            : (text, entities, null);
    }

    // The fake knows no chat by @username, so only numeric chat ids reach a chat.
    static JsonObject? ChatRefusal(TelegramCall call) => call["chat_id"] switch
    {
        null or "" => Error(400, "Bad Request: chat_id is empty"),
        _ when call.ChatId is not null => null,
        _ => Error(400, "Bad Request: chat not found"),
    };

    JsonObject Message(long chatId, long messageId, string text, JsonArray entities)
    {
        var chat = chatId > 0
            ? new JsonObject { ["id"] = chatId, ["type"] = "private" }
            : new JsonObject { ["id"] = chatId, ["title"] = "Test group", ["type"] = chatId <= -1_000_000_000_000 ? "supergroup" : "group" };
        var message = new JsonObject
        {
            ["message_id"] = messageId,
            ["from"] = Bot.ToJson(isBot: true),
            ["chat"] = chat,
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["text"] = text,
        };
        if (entities.Count > 0)
            message["entities"] = entities;
        return message;
    }

    static long UpdateId(JsonObject update) => update["update_id"]!.Deserialize<long>();

    static string[] Strings(JsonArray array) => [.. array.Select(a => a?.GetValue<string>() ?? "")];

    [GeneratedRegex("^[A-Za-z0-9_-]{1,256}$")]
    private static partial Regex SecretToken();
}
