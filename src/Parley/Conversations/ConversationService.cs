using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Admin;
using Parley.Api;
using Parley.ChatClients;
using Parley.Data;
using Parley.Gateways;
using Parley.Sessions;

namespace Parley.Conversations;

/// <summary>A session opened by one of its access keys, with the client and gateway it talks through.</summary>
public sealed record SessionContext(Session Session, ChatClient Client, AiGateway Gateway);

/// <summary>Either a reply that started, or the reason it could not.</summary>
public sealed record StartOutcome(ReplyRun? Run, ProblemHttpResult? Refusal);

/// <summary>
/// The one place every channel goes through: session lookup, expiry and renewal, limits, prompt assembly and
/// persistence. Transports only parse, authenticate and render.
/// </summary>
public sealed class ConversationService(AppDb db, ReplyRegistry registry, ReplyGenerator generator, TokenCounter tokens, TimeProvider clock)
{
    DateTime Now => clock.GetUtcNow().UtcDateTime;

    public Task<SessionContext?> FindAsync(string accessKey, CancellationToken ct)
    {
        if (!AccessKeys.LooksValid(accessKey)) return Task.FromResult<SessionContext?>(null);
        var hash = Secrets.Hash(accessKey);
        return (
            from key in db.SessionKeys
            where key.Hash == hash
            join session in db.Sessions on key.SessionId equals session.Id
            join client in db.ChatClients on session.ChatClientId equals client.Id
            join gateway in db.Gateways on client.AiGatewayId equals gateway.Id
            select new SessionContext(session, client, gateway)).SingleOrDefaultAsync(ct);
    }

    public ProblemHttpResult? RefuseIfExpired(SessionContext context) => context.Session.ExpiresAt <= Now
        ? ApiProblem.Create(StatusCodes.Status410Gone, "session_expired",
            $"This conversation expired at {context.Session.ExpiresAt:yyyy-MM-dd HH:mm} UTC. Ask for a new link to keep talking.",
            new Dictionary<string, object?> { ["expiredAt"] = context.Session.ExpiresAt })
        : null;

    /// <summary>The session as its page sees it: display parameters, limits, expiry, usage and the conversation.</summary>
    public async Task<ChatView> ViewAsync(SessionContext context, CancellationToken ct)
    {
        var session = context.Session;
        var messages = await Visible(session.Id).AsNoTracking().OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).ToListAsync(ct);
        return new ChatView(
            session.Id,
            context.Client.Name,
            ChatPageParameters.Of(context.Client.ClientParameters),
            context.Client.LimitingParameters,
            LimitsApplied.For(context.Client.LimitingParameters, tokens, context.Gateway.Parameters.ModelName),
            session.ExpiresAt,
            new UsageView(session.InputTokens, session.OutputTokens, "total"),
            registry.Current(session.Id) is not null,
            messages.Select(MessageView.Of).ToList());
    }

    public async Task<StartOutcome> SendAsync(SessionContext context, string content, CancellationToken ct)
    {
        if (RefuseIfExpired(context) is { } expired) return new(null, expired);
        if (string.IsNullOrWhiteSpace(content)) return new(null, ApiProblem.Invalid("content", "The content field must not be empty."));

        var session = context.Session;
        var run = registry.TryBegin(session.Id);
        if (run is null) return new(null, ReplyInProgress());

        try
        {
            if (await CheckLimitsAsync(context, content, ct) is { } refusal)
            {
                registry.End(session.Id, run);
                return new(null, refusal);
            }

            var limits = context.Client.LimitingParameters;
            if (session.ExpiresAt - Now < TimeSpan.FromMinutes(limits.RenewWhenMinutesLeft))
            {
                var renewed = Now.AddMinutes(limits.RenewByMinutes);
                if (renewed > session.ExpiresAt) session.ExpiresAt = renewed;
            }

            // The user's message is stored before the provider is called, so no fault can lose it.
            db.Messages.Add(new Message
            {
                SessionId = session.Id,
                Role = MessageRole.User,
                Content = content,
                CreatedAt = Now,
                Status = MessageStatus.Complete,
            });
            await db.SaveChangesAsync(ct);
            await StartGenerationAsync(context, run, ct);
            return new(run, null);
        }
        catch
        {
            registry.End(session.Id, run);
            throw;
        }
    }

    /// <summary>Replaces the last reply (or answers a user message left without one) with a new one.</summary>
    public async Task<StartOutcome> RetryAsync(SessionContext context, CancellationToken ct)
    {
        if (RefuseIfExpired(context) is { } expired) return new(null, expired);

        var session = context.Session;
        var run = registry.TryBegin(session.Id);
        if (run is null) return new(null, ReplyInProgress());
        try
        {
            var last = await Visible(session.Id).OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).FirstOrDefaultAsync(ct);
            if (last is null)
            {
                registry.End(session.Id, run);
                return new(null, ApiProblem.Create(StatusCodes.Status409Conflict, "nothing_to_retry", "There is no message to answer again."));
            }
            if (last.Role == MessageRole.Assistant)
                await db.Messages.Where(m => m.Id == last.Id).ExecuteDeleteAsync(ct);

            await StartGenerationAsync(context, run, ct);
            return new(run, null);
        }
        catch
        {
            registry.End(session.Id, run);
            throw;
        }
    }

    public async Task ClearAsync(SessionContext context, CancellationToken ct) =>
        await Visible(context.Session.Id).ExecuteUpdateAsync(m => m.SetProperty(x => x.ClearedAt, Now), ct);

    public IQueryable<Message> Visible(Guid sessionId) =>
        db.Messages.Where(m => m.SessionId == sessionId && m.ClearedAt == null);

    async Task StartGenerationAsync(SessionContext context, ReplyRun run, CancellationToken ct)
    {
        var history = await Visible(context.Session.Id).AsNoTracking()
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).ToListAsync(ct);
        var prompt = PromptBuilder.Build(
            context.Gateway.Parameters, context.Client.ClientParameters.ContextPrompt, context.Session.ExtraContext, history);
        generator.Start(run, context.Session.Id, context.Gateway, prompt);
    }

    async Task<ProblemHttpResult?> CheckLimitsAsync(SessionContext context, string content, CancellationToken ct)
    {
        var limits = context.Client.LimitingParameters;
        var sessionId = context.Session.Id;

        if (limits.MaxMessages is { } max && await Visible(sessionId).CountAsync(m => m.Role == MessageRole.User, ct) >= max)
        {
            return ApiProblem.Create(StatusCodes.Status403Forbidden, "max_messages_reached",
                $"This conversation reached its limit of {max} messages. Clear the conversation to start again.",
                new Dictionary<string, object?> { ["limit"] = max });
        }

        if (limits.MessagesPerHour is { } perHour)
        {
            // Cleared messages still count: clearing the conversation must not lift the hourly limit.
            var windowStart = Now.AddHours(-1);
            var recent = db.Messages.Where(m => m.SessionId == sessionId && m.Role == MessageRole.User && m.CreatedAt > windowStart);
            if (await recent.CountAsync(ct) >= perHour)
            {
                var resetsAt = (await recent.MinAsync(m => m.CreatedAt, ct)).AddHours(1);
                return ApiProblem.Create(StatusCodes.Status429TooManyRequests, "hourly_limit_reached",
                    $"You can send {perHour} messages per hour. You can write again at {resetsAt:HH:mm} UTC.",
                    new Dictionary<string, object?> { ["limit"] = perHour, ["resetsAt"] = resetsAt });
            }
        }

        if (limits.UserInputMaxTokens is { } maxTokens
            && tokens.CountExact(context.Gateway.Parameters.ModelName, content) is { } count && count > maxTokens)
        {
            return ApiProblem.Create(StatusCodes.Status400BadRequest, "input_too_long",
                $"The message is {count} tokens long; the limit is {maxTokens}. Please shorten it.",
                new Dictionary<string, object?> { ["tokens"] = count, ["limit"] = maxTokens });
        }
        return null;
    }

    static ProblemHttpResult ReplyInProgress() => ApiProblem.Create(StatusCodes.Status409Conflict, "reply_in_progress",
        "The assistant is still answering the previous message. Wait for it to finish, then send again.");
}
