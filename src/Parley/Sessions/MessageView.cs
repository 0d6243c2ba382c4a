using Parley.Conversations;

namespace Parley.Sessions;

public sealed record MessageView(
    Guid Id, string Role, string Content, string? Reasoning, DateTime CreatedAt, string Status, string? Error,
    string? ErrorCode, string? FinishReason, UsageView? Usage, FeedbackView? Feedback)
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
        m.FeedbackRating is { } rating ? new FeedbackView(rating, m.FeedbackComment, m.FeedbackAt) : null);
}

/// <summary>What the end user thought of a reply.</summary>
public sealed record FeedbackView(string Rating, string? Comment, DateTime? At);
