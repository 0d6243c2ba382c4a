namespace Parley.Integrations;

/// <summary>
/// One outside conversation of an integration (a Telegram chat, a WhatsApp phone) and the session it talks in now.
/// </summary>
public sealed class ChannelChat
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid IntegrationId { get; init; }
    public required string ChatId { get; init; }
    /// <summary>The tag its sessions are opened with: "telegram:…"/"whatsapp:…", or a web session's tag it continues.</summary>
    public required string Tag { get; set; }
    public Guid? SessionId { get; set; }
    public string? DisplayName { get; set; }
    /// <summary>A person of the business answered here: the assistant stays quiet until then.</summary>
    public DateTime? PausedUntil { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime LastMessageAt { get; set; }
}

/// <summary>
/// A one-time code that moves a web conversation to a chat app: the first message there that carries it binds the
/// chat to the session, and the history continues.
/// </summary>
public sealed class ContinuationCode
{
    public required string Code { get; init; }
    public Guid SessionId { get; init; }
    public DateTime ExpiresAt { get; init; }
    public DateTime? UsedAt { get; set; }
}
