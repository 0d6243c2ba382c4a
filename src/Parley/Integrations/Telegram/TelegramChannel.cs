using System.Globalization;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace Parley.Integrations.Telegram;

/// <summary>
/// A chat client's Telegram bot, through Telegram.Bot: makes Telegram call Parley's webhook (or stop calling it, for
/// polling), sends replies as HTML in as many messages as Telegram's length limit needs, and shows "typing…".
/// </summary>
public sealed class TelegramChannel(IHttpClientFactory httpClients) : IChannel
{
    public const string HttpClientName = "Telegram";
    public const string PollingMode = "polling";

    // Only messages: edits, channel posts and the rest are not for the assistant (TelegramInbound ignores them too).
    static readonly UpdateType[] Wanted = [UpdateType.Message];

    public IntegrationType Type => IntegrationType.Telegram;

    public async Task<ChannelConnection> ConnectAsync(ChannelIntegration integration, CancellationToken ct)
    {
        var polling = integration.Settings.Mode == PollingMode;
        try
        {
            var bot = Bot(integration);
            var me = await bot.GetMe(ct);
            if (polling)
                await bot.DeleteWebhook(dropPendingUpdates: false, ct);
            else
                await bot.SetWebhook(integration.WebhookUrl, allowedUpdates: Wanted, secretToken: integration.WebhookSecret,
                    dropPendingUpdates: false, cancellationToken: ct);
            return new ChannelConnection(me.Username, $"Connected as @{me.Username}, {(polling ? "polling" : "webhook")}");
        }
        catch (ApiRequestException ex) when (ex.ErrorCode == 400 && !polling)
        {
            // Telegram checks the URL itself: it takes only HTTPS on ports 443, 80, 88 or 8443, with a valid certificate.
            throw new ChannelException($"Telegram refused the webhook URL {integration.WebhookUrl}: {ex.Message}", permanent: true, inner: ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw Failure(ex, "reach the bot");
        }
    }

    public Task DisconnectAsync(ChannelIntegration integration, CancellationToken ct) =>
        CallAsync(() => Bot(integration).DeleteWebhook(dropPendingUpdates: false, ct), "remove the webhook", ct);

    public IReadOnlyList<string> Format(string markdown) => ChannelFormatting.ToTelegramHtml(markdown);

    public Task SendAsync(ChannelIntegration integration, string chatId, string message, bool first, CancellationToken ct) =>
        CallAsync(() => Bot(integration).SendMessage(Chat(chatId), message, ParseMode.Html, cancellationToken: ct), "send a message", ct);

    public Task ShowTypingAsync(ChannelIntegration integration, string chatId, CancellationToken ct) =>
        CallAsync(() => Bot(integration).SendChatAction(Chat(chatId), ChatAction.Typing, cancellationToken: ct), "show typing", ct);

    /// <summary>The updates after <paramref name="offset"/>, waiting up to <paramref name="waitSeconds"/> for one to come.</summary>
    public Task<Update[]> GetUpdatesAsync(ChannelIntegration integration, int? offset, int waitSeconds, CancellationToken ct) =>
        CallAsync(() => Bot(integration).GetUpdates(offset, timeout: waitSeconds, allowedUpdates: Wanted, cancellationToken: ct), "get updates", ct);

    /// <summary>
    /// A client per call: it costs a few small objects, and a cached one would keep the factory's connection handler
    /// (and its DNS answer) past its rotation. Telegram.Bot's own waiting on a 429 is off, so a rate limit comes back
    /// as <see cref="ChannelException.RetryAfter"/> and the retry is timed by Parley's clock instead of holding a worker.
    /// </summary>
    TelegramBotClient Bot(ChannelIntegration integration)
    {
        var options = new TelegramBotClientOptions(integration.Secrets.BotToken ?? "", integration.Settings.ApiBaseAddress) { RetryThreshold = 0 };
        return new TelegramBotClient(options, httpClients.CreateClient(HttpClientName));
    }

    static ChatId Chat(string chatId) => long.Parse(chatId, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    static async Task CallAsync(Func<Task> call, string doing, CancellationToken ct) => await CallAsync(async () =>
    {
        await call();
        return true;
    }, doing, ct);

    static async Task<T> CallAsync<T>(Func<Task<T>> call, string doing, CancellationToken ct)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw Failure(ex, doing);
        }
    }

    /// <summary>
    /// What a failed call means for Parley. The messages are written here, never taken from an exception that might
    /// quote a request URL, because the bot token travels in Telegram's URLs.
    /// </summary>
    static ChannelException Failure(Exception error, string doing) => error switch
    {
        ApiRequestException { ErrorCode: 429 } ex => new($"Telegram asked to wait before trying to {doing} again.",
            ex.Parameters?.RetryAfter is { } seconds ? TimeSpan.FromSeconds(seconds) : null, inner: ex),
        // 404 is what Telegram answers to a token that is not even shaped like one.
        ApiRequestException { ErrorCode: 401 or 404 } ex => new("Telegram refused the bot token; check the token BotFather gave.", permanent: true, inner: ex),
        // The user blocked the bot, or it was removed from the group: nothing will reach that chat.
        ApiRequestException { ErrorCode: 403 } ex => new($"Telegram refused to {doing}: {ex.Message}", permanent: true, inner: ex),
        ApiRequestException { ErrorCode: 400 } ex when ex.Message.Contains("chat not found", StringComparison.OrdinalIgnoreCase) =>
            new($"Telegram refused to {doing}: {ex.Message}", permanent: true, inner: ex),
        ApiRequestException ex => new($"Telegram answered {ex.ErrorCode} when asked to {doing}: {ex.Message}", inner: ex),
        // Telegram.Bot checks the token's form (the bot's number, a colon, a secret) before any call.
        ArgumentException => new("The bot token is not in the form BotFather gives: the bot's number, a colon, then the secret.", permanent: true),
        RequestException { HttpStatusCode: { } status } ex => new($"Telegram could not {doing}: it answered {(int)status} without a Bot API result.", inner: ex),
        _ => new($"Telegram could not be reached to {doing}.", inner: error),
    };
}
