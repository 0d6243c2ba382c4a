namespace Parley.Integrations;

/// <summary>An integration ready to talk to its chat app: settings, secrets in clear, and Parley's webhook address for it.</summary>
public sealed record ChannelIntegration(
    Guid Id, Guid ChatClientId, IntegrationType Type, IntegrationSettings Settings, IntegrationSecrets Secrets, string WebhookSecret,
    string WebhookUrl, string? Address);

/// <summary>What a chat app's adapter does; everything else (sessions, limits, commands, order) is the channel worker's.</summary>
public interface IChannel
{
    IntegrationType Type { get; }

    /// <summary>
    /// Makes the chat app deliver to Parley after the integration was created or changed (Telegram: registers the
    /// webhook with its secret, or removes it for polling) and says where people reach it (the bot's user name, the
    /// WhatsApp number), when the app tells.
    /// </summary>
    Task<ChannelConnection> ConnectAsync(ChannelIntegration integration, CancellationToken ct);

    /// <summary>Stops the chat app delivering to Parley, when the integration is deleted.</summary>
    Task DisconnectAsync(ChannelIntegration integration, CancellationToken ct);

    /// <summary>The messages a reply written in Markdown becomes on this app: converted to what it renders, split at its limits.</summary>
    IReadOnlyList<string> Format(string markdown);

    /// <summary>
    /// Sends one of the messages <see cref="Format"/> made; <paramref name="first"/> when it begins an answer (where an
    /// app shows "typing…" before it). The worker sends them in order and remembers how many went out, so a retry
    /// never repeats one.
    /// </summary>
    /// <exception cref="ChannelException">The app refused or could not be reached.</exception>
    Task SendAsync(ChannelIntegration integration, string chatId, string message, bool first, CancellationToken ct);

    /// <summary>Shows that the assistant is writing (Telegram's "typing" action), where the app has such a thing.</summary>
    Task ShowTypingAsync(ChannelIntegration integration, string chatId, CancellationToken ct);
}

/// <summary>Where people reach the integration (<c>Address</c>), when the chat app said.</summary>
public sealed record ChannelConnection(string? Address, string Status);

/// <summary>
/// The chat app refused a call or could not be reached. <see cref="RetryAfter"/> is what the app asked to wait (a 429);
/// <see cref="Permanent"/> means trying again cannot help (a refused token, a chat that blocked the bot).
/// </summary>
public sealed class ChannelException(string message, TimeSpan? retryAfter = null, bool permanent = false, Exception? inner = null)
    : Exception(message, inner)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
    public bool Permanent { get; } = permanent;
}

/// <summary>What an inbound update is, as far as the conversation goes.</summary>
public enum InboundKind
{
    /// <summary>Text from the person in the chat.</summary>
    Text,
    /// <summary>A photo, voice note, sticker…: answered with "only text for now".</summary>
    Unsupported,
    /// <summary>A person of the business wrote in the chat (WhatsApp from the business phone): the assistant pauses.</summary>
    Operator,
}

/// <summary>
/// One update of a chat app, as its adapter read it from a webhook call or a poll. <see cref="MessageId"/> is the
/// app's own id for it, unique per integration: the same update delivered twice is stored once.
/// </summary>
public sealed record Inbound(string ChatId, string MessageId, InboundKind Kind, string? Text, DateTime SentAt, string? SenderName = null);
