using Parley.Conversations;

namespace Parley.Sessions;

/// <summary><c>author</c>: who wrote it — the end user, the assistant, or an operator answering in its place.</summary>
/// <summary><c>attachments</c>: the files that came with it, each with the <c>url</c> that serves it to holders of the session's key.</summary>
/// <summary><c>tools</c>: the tools a reply called (name, arguments, status, summary, start of the result); <c>sources</c>: the pages it used.</summary>
public sealed record MessageView(
    Guid Id, string Role, string Content, string? Reasoning, DateTime CreatedAt, string Status, string? Error,
    string? ErrorCode, string? FinishReason, UsageView? Usage, FeedbackView? Feedback, MessageAuthor Author,
    IReadOnlyList<Attachments.AttachmentView>? Attachments = null, IReadOnlyList<Research.ToolUse>? Tools = null,
    IReadOnlyList<Research.Source>? Sources = null)
{
    public static MessageView Of(Message m) => new(
        m.Id,
        m.Role == MessageRole.User ? "user" : "assistant",
        m.Content,
        m.Reasoning,
        m.CreatedAt,
        m.Status.ToString().ToLowerInvariant(),
        m.Error,
        m.ErrorCode,
        m.FinishReason,
        m.Role == MessageRole.Assistant ? new UsageView(m.InputTokens, m.OutputTokens, m.UsageSource.ToString().ToLowerInvariant()) : null,
        m.FeedbackRating is { } rating ? new FeedbackView(rating, m.FeedbackComment, m.FeedbackAt) : null,
        MessageAuthor.Of(m),
        Tools: m.Research?.Tools,
        Sources: m.Research?.Sources);

    /// <summary>The message with its loaded files (<see cref="Message.Files"/>), each served at the URL <paramref name="urlOf"/> gives it.</summary>
    public static MessageView Of(Message m, Func<Attachments.Attachment, string> urlOf) => m.Files.Count == 0
        ? Of(m)
        : Of(m) with { Attachments = [.. m.Files.Select(a => new Attachments.AttachmentView(a.Id, a.Name, a.ContentType, a.Size, urlOf(a)))] };

    /// <summary>The message as operators of a client that masks personal data read it.</summary>
    public MessageView Masked() => this with
    {
        Content = PersonalData.Mask(Content),
        Reasoning = Reasoning is null ? null : PersonalData.Mask(Reasoning),
        Feedback = Feedback is { Comment: { } comment } ? Feedback with { Comment = PersonalData.Mask(comment) } : Feedback,
        Tools = Tools?.Select(PersonalData.Mask).ToList(),
    };
}

/// <summary><c>kind</c> is <c>user</c>, <c>assistant</c> or <c>operator</c>; an operator has an id and the name the user saw.</summary>
public sealed record MessageAuthor(string Kind, string? Id = null, string? Name = null)
{
    public static MessageAuthor Of(Message m) => m switch
    {
        { Role: MessageRole.User } => new("user"),
        { AuthorId: { } id } => new("operator", id, m.AuthorName),
        _ => new("assistant"),
    };
}

/// <summary>What the end user thought of a reply.</summary>
public sealed record FeedbackView(string Rating, string? Comment, DateTime? At);
