namespace Parley.Sessions;

public sealed class Session
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid ChatClientId { get; init; }
    public string? Tag { get; init; }
    /// <summary>Equals <see cref="Tag"/> while this session is the one its tag resolves to; cleared once it is replaced.</summary>
    public string? ActiveTag { get; set; }
    public string? ExtraContext { get; set; }
    /// <summary>Where the session was opened: <c>web</c> (the admin API, for the talk page or an app), <c>console</c>, <c>telegram</c> or <c>whatsapp</c>.</summary>
    public string Channel { get; init; } = SessionChannels.Web;
    public DateTime CreatedAt { get; init; }
    public DateTime ExpiresAt { get; set; }
    /// <summary>When the newest message was added (when the session was opened, before any): the console lists by it.</summary>
    public DateTime LastMessageAt { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    /// <summary>The operator answering in the assistant's place (an account id, or "admin"), while the session is taken over.</summary>
    public string? TakenOverBy { get; set; }
    /// <summary>The name the end user sees on that operator's messages.</summary>
    public string? TakenOverName { get; set; }
    public DateTime? TakenOverAt { get; set; }
}

public static class SessionChannels
{
    public const string Web = "web";
    /// <summary>Opened by an operator in the console's Chats workspace.</summary>
    public const string Console = "console";
    public const string Telegram = "telegram";
    public const string WhatsApp = "whatsapp";
}

/// <summary>The hash of one access key handed out for a session. A session may have several.</summary>
public sealed class SessionKey
{
    public required string Hash { get; init; }
    public Guid SessionId { get; init; }
    public DateTime CreatedAt { get; init; }
}

public sealed class Message
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SessionId { get; init; }
    public MessageRole Role { get; init; }
    public required string Content { get; set; }
    public string? Reasoning { get; set; }

    /// <summary>The tools a reply called and the pages it used (JSON); null when it called none.</summary>
    public Research.ReplyResearch? Research { get; set; }
    public DateTime CreatedAt { get; init; }
    public MessageStatus Status { get; set; }
    /// <summary>Why an incomplete reply ended, for people to read; <see cref="ErrorCode"/> says it for programs.</summary>
    public string? Error { get; set; }
    public string? ErrorCode { get; set; }
    /// <summary>The provider's finish reason ("stop", "length", …), null when it gave none.</summary>
    public string? FinishReason { get; set; }
    public int InputTokens { get; set; }
    public int OutputTokens { get; set; }
    public UsageSource UsageSource { get; set; }
    /// <summary>The end user's rating of a reply: "up" or "down".</summary>
    public string? FeedbackRating { get; set; }
    public string? FeedbackComment { get; set; }
    public DateTime? FeedbackAt { get; set; }
    /// <summary>Who wrote an assistant-side message other than the assistant: an operator's account id (or "admin").</summary>
    public string? AuthorId { get; set; }
    /// <summary>The name the end user saw on it.</summary>
    public string? AuthorName { get; set; }
    /// <summary>
    /// Written in privacy mode: the row keeps no text (Content is empty), only counts and usage; the text lives in
    /// <see cref="Conversations.IPrivateContent"/> for the life of the session.
    /// </summary>
    public bool Private { get; set; }
    /// <summary>Files came with it (<see cref="Attachments.Attachment"/>): only then are its attachments looked up.</summary>
    public bool HasAttachments { get; set; }

    /// <summary>Its attachments, in order, where a reader loaded them (not a column).</summary>
    public IReadOnlyList<Attachments.Attachment> Files { get; set; } = [];
    /// <summary>Set when the user clears the conversation: the message leaves the history but still counts for hourly limits.</summary>
    public DateTime? ClearedAt { get; set; }

    /// <summary>Stands for the stored message with this id, to change or delete it without reading it first.</summary>
    public static Message StandIn(Guid id) => new() { Id = id, Content = "" };

    /// <summary>The row privacy mode stores for this message: everything but its text.</summary>
    public Message WithoutText()
    {
        var row = (Message)MemberwiseClone();
        (row.Content, row.Reasoning, row.Research, row.FeedbackComment, row.Private) = ("", null, null, null, true);
        return row;
    }
}

public enum MessageRole { User, Assistant }

/// <summary>Generating: the reply is being written (and saved as it grows); it becomes Complete or Incomplete.</summary>
public enum MessageStatus { Complete, Incomplete, Generating }

public enum UsageSource { None, Provider, Estimated }
