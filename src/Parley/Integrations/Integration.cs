using System.Text.Json.Serialization;

namespace Parley.Integrations;

/// <summary>The chat apps a chat client can answer on.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IntegrationType>))]
public enum IntegrationType
{
    [JsonStringEnumMemberName("telegram")] Telegram,
    [JsonStringEnumMemberName("zapi")] Zapi,
}

/// <summary>
/// A chat client's presence on a chat app. Each outside conversation (a Telegram chat, a WhatsApp phone) becomes a
/// session of the chat client, found again by <see cref="ChannelChat"/>.
/// </summary>
public sealed class Integration
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid ChatClientId { get; init; }
    public IntegrationType Type { get; init; }
    public required IntegrationSettings Settings { get; set; }
    /// <summary>The bot token or the Z-API credentials, encrypted with Data Protection; never leave the server in clear.</summary>
    public required string ProtectedSecrets { get; set; }
    /// <summary>Masked forms of the secrets, to show which ones are set.</summary>
    public required IntegrationSecrets SecretHints { get; set; }
    /// <summary>
    /// Proves a webhook call comes from the chat app: Telegram sends it in a header, Z-API (which sends no header of
    /// ours) calls a URL that carries it.
    /// </summary>
    public required string WebhookSecret { get; init; }
    /// <summary>Where people reach the assistant on the app: the bot's user name, or the WhatsApp number.</summary>
    public string? Address { get; set; }
    /// <summary>A line about the last thing that happened: connected, a delivery, or what failed.</summary>
    public string? Status { get; set; }
    public DateTime? StatusAt { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>What an integration does, without its secrets; stored as JSON.</summary>
public sealed record IntegrationSettings
{
    /// <summary>Telegram: <c>webhook</c> (Telegram calls Parley) or <c>polling</c> (Parley asks Telegram; no public URL needed).</summary>
    public string? Mode { get; init; }
    /// <summary>The chat app's API address; its official one when null.</summary>
    public string? ApiBaseAddress { get; init; }
    /// <summary>How long a chat's session lives after its last message.</summary>
    public int SessionDurationMinutes { get; init; } = 180;
    /// <summary>Messages that arrive within this time of each other are answered as one.</summary>
    public int DebounceMilliseconds { get; init; } = 1500;
    /// <summary>Telegram: answer in groups too.</summary>
    public bool AllowGroups { get; init; }
    /// <summary>How long the assistant stays quiet in a chat after a person of the business answered there.</summary>
    public int TakeoverMinutes { get; init; } = 30;
}

/// <summary>The secrets of an integration: a Telegram bot token, or Z-API's instance id, instance token and client token.</summary>
public sealed record IntegrationSecrets(string? BotToken = null, string? InstanceId = null, string? InstanceToken = null, string? ClientToken = null);
