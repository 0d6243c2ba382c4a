using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Sessions;

namespace Parley.Conversations;

/// <summary>A chat client's limits on a new user message, each refused with its own code and a message the page can show.</summary>
public sealed class ConversationLimits(AppDb db, TokenCounter tokens, TokenBudgets budgets, TimeProvider clock)
{
    /// <summary>
    /// Null when the message may be sent; <c>history</c> is the conversation as it stands (not cleared), <c>address</c>
    /// the client address it came from, when the channel has one. A refusal the operator wrote words for carries them.
    /// </summary>
    public async Task<ConversationRefusal?> CheckAsync(
        SessionContext context, IReadOnlyList<Message> history, string content, string? address, CancellationToken ct)
    {
        return InOperatorWords(context, await RefuseAsync(context, history, content, address, ct));
    }

    /// <summary>Only the daily token budgets: what answering the last message again would take from.</summary>
    public async Task<ConversationRefusal?> CheckBudgetsAsync(SessionContext context, string? address, CancellationToken ct) =>
        InOperatorWords(context, await budgets.CheckAsync(context, address, ct));

    static ConversationRefusal? InOperatorWords(SessionContext context, ConversationRefusal? refusal)
    {
        if (refusal is null || context.Client.LimitingParameters.LimitMessages.For(refusal.Code) is not { Length: > 0 } words) return refusal;
        return refusal with
        {
            Message = words,
            Data = new Dictionary<string, object?>(refusal.Data ?? new Dictionary<string, object?>()) { ["operatorMessage"] = words },
        };
    }

    async Task<ConversationRefusal?> RefuseAsync(
        SessionContext context, IReadOnlyList<Message> history, string content, string? address, CancellationToken ct)
    {
        var limits = context.Client.LimitingParameters;
        var sessionId = context.Session.Id;

        if (limits.MaxMessages is { } max && history.Count(m => m.Role == MessageRole.User) >= max)
        {
            return new ConversationRefusal(ConversationRefusal.MaxMessagesReached,
                $"This conversation reached its limit of {max} messages. Clear the conversation to start again.",
                new Dictionary<string, object?> { ["limit"] = max });
        }

        if (limits.MessagesPerHour is { } perHour)
        {
            // Cleared messages still count: clearing the conversation must not lift the hourly limit.
            var windowStart = clock.GetUtcNow().UtcDateTime.AddHours(-1);
            var recent = db.Messages.Where(m => m.SessionId == sessionId && m.Role == MessageRole.User && m.CreatedAt > windowStart);
            if (await recent.CountAsync(ct) >= perHour)
            {
                var resetsAt = (await recent.MinAsync(m => m.CreatedAt, ct)).AddHours(1);
                return new ConversationRefusal(ConversationRefusal.HourlyLimitReached,
                    $"You can send {perHour} messages per hour. You can write again at {resetsAt:HH:mm} UTC.",
                    new Dictionary<string, object?> { ["limit"] = perHour, ["resetsAt"] = resetsAt });
            }
        }

        if (await budgets.CheckAsync(context, address, ct) is { } spent) return spent;

        if (limits.UserInputMaxTokens is { } maxTokens
            && tokens.CountExact(context.Gateway.Parameters.ModelName, content) is { } count && count > maxTokens)
        {
            return new ConversationRefusal(ConversationRefusal.InputTooLong,
                $"The message is {count} tokens long; the limit is {maxTokens}. Please shorten it.",
                new Dictionary<string, object?> { ["tokens"] = count, ["limit"] = maxTokens });
        }
        return null;
    }
}
