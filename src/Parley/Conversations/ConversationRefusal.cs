namespace Parley.Conversations;

/// <summary>
/// A conversation rule said no: a stable code, a sentence a person can read, and the numbers a channel may show
/// (<c>limit</c>, <c>resetsAt</c>, <c>tokens</c>, <c>expiredAt</c>, <c>budget</c>), and <c>operatorMessage</c> when the chat
/// client's operator wrote what to tell users instead. The core speaks no HTTP: the session API turns a
/// refusal into a status code (<see cref="ChatEndpoints"/>), a chat channel into a message in the client's language.
/// </summary>
public sealed record ConversationRefusal(string Code, string Message, IReadOnlyDictionary<string, object?>? Data = null)
{
    public const string SessionNotFound = "session_not_found";
    public const string SessionExpired = "session_expired";
    public const string MessageEmpty = "message_empty";
    public const string ReplyInProgress = "reply_in_progress";
    public const string NothingToRetry = "nothing_to_retry";
    public const string MaxMessagesReached = "max_messages_reached";
    public const string HourlyLimitReached = "hourly_limit_reached";
    public const string InputTooLong = "input_too_long";
    public const string TokenBudgetSpent = "token_budget_spent";
    public const string AttachmentsNotAllowed = "attachments_not_allowed";
    public const string AttachmentTypeRefused = "attachment_type_refused";
    public const string AttachmentTooLarge = "attachment_too_large";
    public const string TooManyAttachments = "too_many_attachments";
    public const string ImagesNotAccepted = "images_not_accepted";
    public const string TakenOver = "taken_over";
    public const string NotTakenOver = "not_taken_over";

    /// <summary>The operator's words for this refusal, which every channel shows in place of its own.</summary>
    public string? OperatorMessage => Get<string>("operatorMessage");

    /// <summary>A number or time the refusal carries, such as <c>limit</c>.</summary>
    public T? Get<T>(string name) => Data is not null && Data.TryGetValue(name, out var value) && value is T typed ? typed : default;
}
