using Microsoft.EntityFrameworkCore;
using Parley.Admin;
using Parley.Attachments;
using Parley.ChatClients;
using Parley.Data;
using Parley.Gateways;
using Parley.OperatorConsole;
using Parley.Sessions;

namespace Parley.Conversations;

/// <summary>A session opened by one of its access keys, with the client and gateway it talks through.</summary>
public sealed record SessionContext(Session Session, ChatClient Client, AiGateway Gateway);

public enum SessionState { Unknown, Expired, Open }

/// <summary>What an access key (or a channel's session id) opens: nothing, a session that has expired, or one that can be used.</summary>
public sealed record SessionAccess(SessionState State, SessionContext? Context)
{
    public static readonly SessionAccess Unknown = new(SessionState.Unknown, null);

    /// <summary>The session, when it can be used now.</summary>
    public SessionContext? Open => State == SessionState.Open ? Context : null;

    /// <summary>Why the session cannot be used: unknown, or expired (with when).</summary>
    public ConversationRefusal? Refusal => State switch
    {
        SessionState.Open => null,
        SessionState.Expired => new ConversationRefusal(ConversationRefusal.SessionExpired,
            $"This conversation expired at {Context!.Session.ExpiresAt:yyyy-MM-dd HH:mm} UTC. Ask for a new link to keep talking.",
            new Dictionary<string, object?> { ["expiredAt"] = Context.Session.ExpiresAt }),
        _ => new ConversationRefusal(ConversationRefusal.SessionNotFound, "This conversation link is not valid. Ask for a new one."),
    };
}

/// <summary>Either a reply that started, or the reason it could not.</summary>
public sealed record StartOutcome(ReplyRun? Run, ConversationRefusal? Refusal, HeldMessage? Held = null);

/// <summary>The user's message, stored for the person who took the conversation over: they answer instead of the assistant.</summary>
public sealed record HeldMessage(Guid MessageId, string OperatorName);

/// <summary>A person answering in the assistant's place: an operator account's id (or "admin"), and the name end users see.</summary>
public sealed record OperatorRef(string Id, string Name)
{
    /// <summary>The business through its admin key: the name its user sees, "Support" unless it gives another.</summary>
    public static OperatorRef Admin(string? name) => new("admin", string.IsNullOrWhiteSpace(name) ? "Support" : name.Trim());
}

/// <summary>
/// A user message and how it came: <paramref name="RenewFor"/> keeps a channel's session alive that long after it;
/// <paramref name="Address"/> is the client address it came from, for the daily budget per address (web only).
/// </summary>
public sealed record UserMessage(string Content, TimeSpan? RenewFor = null, string? Address = null, IReadOnlyList<IncomingFile>? Files = null);

/// <summary>
/// The one place every channel goes through: session lookup, expiry and renewal, limits, prompt assembly and
/// persistence. It speaks no HTTP: adapters parse, authenticate and render its outcomes. docs/architecture.md draws
/// one message's path through it.
/// </summary>
public sealed class ConversationService(
    AppDb db, ConversationQueries queries, WriteBatcher writes, ReplyRegistry registry, ReplyGenerator generator, ConversationLimits limits,
    TokenBudgets budgets, ConversationFiles files, AttachmentKeeper keeper, SessionErasure erasure,
    ChatClientCache clients, GatewayCache gateways, TokenCounter tokens, SessionEvents events, IPrivateContent privateContent, TimeProvider clock)
{
    DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Whether an access key opens a session that can be used now. Every route that takes a key asks here, so an
    /// expired session is closed everywhere alike.
    /// </summary>
    public async Task<SessionAccess> OpenAsync(string accessKey, CancellationToken ct)
    {
        if (!AccessKeys.LooksValid(accessKey)) return SessionAccess.Unknown;
        return await AccessAsync(await queries.SessionByKeyHash(db, Secrets.Hash(accessKey), ct), ct);
    }

    /// <summary>The same decision for a session a channel found by its chat (Telegram chat id, WhatsApp phone).</summary>
    public async Task<SessionAccess> OpenAsync(Guid sessionId, CancellationToken ct) =>
        await AccessAsync(await db.Sessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId, ct), ct);

    async Task<SessionAccess> AccessAsync(Session? session, CancellationToken ct)
    {
        if (session is null || await clients.GetAsync(session.ChatClientId, db, ct) is not { } client) return SessionAccess.Unknown;
        if (await gateways.GetAsync(client.AiGatewayId, db, ct) is not { } gateway) return SessionAccess.Unknown;
        var context = new SessionContext(session, client, gateway.Gateway);
        return new SessionAccess(session.ExpiresAt <= Now ? SessionState.Expired : SessionState.Open, context);
    }

    /// <summary>
    /// The session as its page sees it: display parameters, limits, expiry, usage and the conversation; in debug mode
    /// also the daily token budgets as they stand for a message from <paramref name="address"/>.
    /// </summary>
    public async Task<ChatView> ViewAsync(SessionContext context, string accessKey, string? address, CancellationToken ct)
    {
        var session = context.Session;
        var replying = await registry.IsReplyingAsync(session.Id);
        // A reply being generated is followed through /reply, from its first token; with none running, a reply
        // still marked generating was left by an instance that stopped.
        var messages = await ConversationAsync(session.Id, settleAbandoned: !replying, ct);
        return new ChatView(
            session.Id,
            context.Client.Name,
            ChatPageParameters.Of(context.Client.ClientParameters),
            context.Client.LimitingParameters,
            LimitsApplied.For(context.Client.LimitingParameters, tokens, context.Gateway.Parameters.ModelName),
            session.ExpiresAt,
            new UsageView(session.InputTokens, session.OutputTokens, "total"),
            replying,
            [.. messages.Select(m => MessageView.Of(m, a => AttachmentUrls.ForSession(accessKey, a.Id)))],
            await db.Integrations.Where(i => i.ChatClientId == context.Client.Id && i.Address != null)
                .Select(i => i.Type).Distinct().OrderBy(t => t).ToListAsync(ct),
            session.TakenOverBy is null ? null : session.TakenOverName ?? "",
            context.Client.ClientParameters.Debug && context.Client.LimitingParameters.HasBudgets
                ? await budgets.StandingAsync(context, address, ct)
                : null,
            await Voice.VoiceService.ViewAsync(db, context, ct));
    }

    /// <summary>
    /// Checks the limits, stores the user's message and starts the reply. A message sent with little time left renews
    /// the session by the chat client's rule; a channel's message also keeps it alive for <see cref="UserMessage.RenewFor"/>.
    /// </summary>
    public Task<StartOutcome> SendAsync(SessionContext context, UserMessage message, CancellationToken ct)
    {
        var content = message.Content;
        if (string.IsNullOrWhiteSpace(content) && message.Files is not { Count: > 0 })
            return Task.FromResult(new StartOutcome(null, new ConversationRefusal(ConversationRefusal.MessageEmpty, "The message must not be empty.")));

        var attached = new List<Attachment>();
        return StartReplyAsync(context, message.Address, async (history, stamp) =>
        {
            if (await limits.CheckAsync(context, history, content, message.Address, ct) is { } refusal) return refusal;
            var (accepted, refused) = message.Files is { Count: > 0 } sent ? AttachmentRules.Check(context, sent) : ([], null);
            if (refused is not null) return refused;

            var session = context.Session;
            var renewal = context.Client.LimitingParameters;
            var renewed = session.ExpiresAt;
            if (session.ExpiresAt - Now < TimeSpan.FromMinutes(renewal.RenewWhenMinutesLeft)) renewed = Now.AddMinutes(renewal.RenewByMinutes);
            if (message.RenewFor is { } keepAlive && Now + keepAlive > renewed) renewed = Now + keepAlive;
            if (renewed > session.ExpiresAt) session.ExpiresAt = renewed;

            var asked = new Message
            {
                SessionId = session.Id,
                Role = MessageRole.User,
                Content = content,
                CreatedAt = stamp(),
                Status = MessageStatus.Complete,
                HasAttachments = accepted.Count > 0,
            };
            history.Add(asked);
            if (accepted.Count > 0)
            {
                var privateUntil = context.Client.ClientParameters.PrivacyMode ? session.ExpiresAt : (DateTime?)null;
                attached.AddRange(await keeper.KeepAsync(session.Id, asked.Id, privateUntil,
                    [.. accepted.Select(a => new KeptFile(a.File.Name, a.Type.ContentType, a.File.Data))], ct));
            }
            return null;
        }, ct, attached);
    }

    static readonly TimeSpan AppendWaitStep = TimeSpan.FromMilliseconds(50);
    const int AppendWaitSteps = 40;

    /// <summary>
    /// Claims the session's lock, waiting up to two seconds for it. Another append (the user's held message and a
    /// person's answer, sent at the same moment) holds it for one write only, and waiting a moment for that beats
    /// refusing; a reply being generated holds it far longer and still refuses.
    /// </summary>
    async Task<ReplyRun?> BeginWaitingForAppendsAsync(Guid sessionId, CancellationToken ct)
    {
        var run = await registry.TryBeginAsync(sessionId);
        for (var wait = 0; run is null && wait < AppendWaitSteps; wait++)
        {
            await Task.Delay(AppendWaitStep, ct);
            run = await registry.TryBeginAsync(sessionId);
        }
        return run;
    }

    /// <summary>
    /// Adds a message that gets no reply: what a person of the business wrote in a chat app while the assistant was
    /// paused, or an operator's answer in a taken-over conversation (as the assistant's turn, so the model knows what
    /// its side said), and the user's messages meanwhile. Null while a reply runs (after waiting up to two seconds).
    /// </summary>
    public async Task<Message?> AppendAsync(SessionContext context, MessageRole role, string content, CancellationToken ct, OperatorRef? by = null)
    {
        var session = context.Session;
        var run = await BeginWaitingForAppendsAsync(session.Id, ct);
        if (run is null) return null;
        try
        {
            var history = await ConversationAsync(session.Id, settleAbandoned: true, ct);
            var message = new Message
            {
                SessionId = session.Id,
                Role = role,
                Content = content,
                CreatedAt = StampAfter(history.Count > 0 ? history[^1].CreatedAt : DateTime.MinValue),
                Status = MessageStatus.Complete,
                AuthorId = by?.Id,
                AuthorName = by?.Name,
            };
            var row = (await RowsAsync(context, [message]))[0];
            await writes.WriteAsync(db =>
            {
                Touch(db, session.Id, message.CreatedAt, renewedTo: null);
                db.Messages.Add(row);
            });
            return message;
        }
        finally
        {
            await registry.EndAsync(session.Id, run);
        }
    }

    /// <summary>
    /// Replaces the last reply (or answers a user message left without one) with a new one, within the daily token
    /// budgets; <paramref name="address"/> as for <see cref="UserMessage.Address"/>.
    /// </summary>
    public Task<StartOutcome> RetryAsync(SessionContext context, CancellationToken ct, string? address = null) =>
        StartReplyAsync(context, address, async (history, _) =>
        {
            if (context.Session.TakenOverBy is not null)
                return new ConversationRefusal(ConversationRefusal.TakenOver,
                    "A person is answering this conversation; the assistant answers again once they hand it back.");
            if (history.Count == 0) return new ConversationRefusal(ConversationRefusal.NothingToRetry, "There is no message to answer again.");
            if (await limits.CheckBudgetsAsync(context, address, ct) is { } spent) return spent;
            if (history[^1] is { Role: MessageRole.Assistant }) history.RemoveAt(history.Count - 1);
            return null;
        }, ct);

    /// <summary>
    /// Takes the session's reply lock and lets <paramref name="prepare"/> change the conversation in memory (add the
    /// user's message, drop the reply to replace) or refuse. Then stores those changes with the reply's first row in
    /// one commit and starts generating; the reply's first token waits for that commit, so no fault can lose the
    /// user's message once the caller has seen an answer begin.
    /// </summary>
    async Task<StartOutcome> StartReplyAsync(
        SessionContext context, string? address, Func<List<Message>, Func<DateTime>, Task<ConversationRefusal?>> prepare, CancellationToken ct,
        IReadOnlyList<Attachment>? attached = null)
    {
        var session = context.Session;
        // While a person answers, no reply runs: the lock is only ever held for a moment by another append.
        var run = session.TakenOverBy is null ? await registry.TryBeginAsync(session.Id) : await BeginWaitingForAppendsAsync(session.Id, ct);
        if (run is null) return new(null, ReplyInProgress());

        try
        {
            // Holding the lock, anything still marked generating was left by an instance that stopped mid-reply.
            var history = await ConversationAsync(session.Id, settleAbandoned: true, ct);

            var stored = history.ToList();
            var expiresAt = session.ExpiresAt;
            var last = history.Count > 0 ? history[^1].CreatedAt : DateTime.MinValue;
            DateTime Stamp() => last = StampAfter(last);

            if (await prepare(history, Stamp) is { } refusal)
            {
                session.ExpiresAt = expiresAt;
                await registry.EndAsync(session.Id, run);
                return new(null, refusal);
            }
            attached ??= [];
            if (session.TakenOverBy is not null) return new(null, null, await HoldAsync(context, run, history.Except(stored).ToList(), expiresAt, attached));

            // The model is shown the user's files; images in its own replies were its output, not its input.
            var filesOf = await files.ForPromptAsync([.. history.Where(m => m.Role == MessageRole.User).SelectMany(m => m.Files), .. attached], ct);
            var prompt = PromptBuilder.Build(
                context.Gateway.Parameters, context.Client.ClientParameters.ContextPrompt, session.ExtraContext, history, filesOf);
            var reply = new Message
            {
                SessionId = session.Id,
                Role = MessageRole.Assistant,
                Content = "",
                CreatedAt = Stamp(),
                Status = MessageStatus.Generating,
            };
            var added = await RowsAsync(context, [.. history.Except(stored), reply]);
            var removed = stored.Except(history).Select(m => m.Id).ToList();
            var renewedTo = session.ExpiresAt != expiresAt ? session.ExpiresAt : (DateTime?)null;
            var sessionId = session.Id;
            var committed = writes.WriteAsync(db =>
            {
                foreach (var id in removed) db.Messages.Delete(id, () => Message.StandIn(id));
                Touch(db, sessionId, reply.CreatedAt, renewedTo);
                db.Messages.AddRange(added);
                db.Attachments.AddRange(attached);
            });
            run.MessageId = reply.Id;
            var asked = history.LastOrDefault(m => m.Role == MessageRole.User)?.Content;
            var privateUntil = context.Client.ClientParameters.PrivacyMode ? session.ExpiresAt : (DateTime?)null;
            var budgetAddress = context.Client.LimitingParameters.DailyTokensPerAddress is null ? null : address;
            generator.Start(run, new ReplyJob(session.Id, context.Client.Id, reply.Id, context.Gateway, prompt, committed, asked, privateUntil, budgetAddress));
            return new(run, null);
        }
        catch
        {
            await registry.EndAsync(session.Id, run);
            throw;
        }
    }

    /// <summary>
    /// While a person answers in the assistant's place, the user's message is stored without a reply: they see it
    /// reach a person, and the operators see it arrive.
    /// </summary>
    async Task<HeldMessage> HoldAsync(SessionContext context, ReplyRun run, List<Message> added, DateTime expiresAt, IReadOnlyList<Attachment> attached)
    {
        var session = context.Session;
        var sessionId = session.Id;
        var renewedTo = session.ExpiresAt != expiresAt ? session.ExpiresAt : (DateTime?)null;
        try
        {
            var rows = await RowsAsync(context, added);
            await writes.WriteAsync(db =>
            {
                Touch(db, sessionId, added[^1].CreatedAt, renewedTo);
                db.Messages.AddRange(rows);
                db.Attachments.AddRange(attached);
            });
        }
        finally
        {
            await registry.EndAsync(sessionId, run);
        }
        var message = added[^1];
        await events.PublishAsync(new SessionActivity(sessionId, context.Client.Id, SessionActivityKinds.MessageHeld, Now, message.Id,
            ReplyGenerator.Preview(message.Content)));
        return new HeldMessage(message.Id, session.TakenOverName ?? "");
    }

    /// <summary>
    /// A person takes the conversation over: the assistant stops answering it, and what the person writes reaches the
    /// end user under their name, until they hand it back. A reply already running finishes.
    /// </summary>
    public async Task TakeOverAsync(SessionContext context, OperatorRef by, CancellationToken ct)
    {
        var at = Now;
        await db.Sessions.Where(s => s.Id == context.Session.Id).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.TakenOverBy, by.Id)
            .SetProperty(x => x.TakenOverName, by.Name)
            .SetProperty(x => x.TakenOverAt, at), ct);
        await events.PublishAsync(new SessionActivity(context.Session.Id, context.Client.Id, SessionActivityKinds.TakenOver, at, AuthorName: by.Name));
    }

    /// <summary>The assistant answers the conversation again, from its next message.</summary>
    public async Task HandBackAsync(SessionContext context, CancellationToken ct)
    {
        await db.Sessions.Where(s => s.Id == context.Session.Id).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.TakenOverBy, (string?)null)
            .SetProperty(x => x.TakenOverName, (string?)null)
            .SetProperty(x => x.TakenOverAt, (DateTime?)null), ct);
        await events.PublishAsync(new SessionActivity(context.Session.Id, context.Client.Id, SessionActivityKinds.HandedBack, Now));
    }

    /// <summary>What the person who took the conversation over writes: stored as theirs, and sent to the end user.</summary>
    public async Task<ConversationRefusal?> SendAsOperatorAsync(SessionContext context, OperatorRef by, string content, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(content)) return new ConversationRefusal(ConversationRefusal.MessageEmpty, "The message must not be empty.");
        if (context.Session.TakenOverBy is null)
            return new ConversationRefusal(ConversationRefusal.NotTakenOver, "Take the conversation over before answering in the assistant's place.");
        var message = await AppendAsync(context, MessageRole.Assistant, content, ct, by);
        if (message is null) return ReplyInProgress();
        await events.PublishAsync(new SessionActivity(context.Session.Id, context.Client.Id, SessionActivityKinds.OperatorMessage, message.CreatedAt,
            message.Id, content, by.Name));
        return null;
    }

    /// <summary>
    /// The conversation (not cleared), oldest first. Replies still being generated are left out, or with
    /// <paramref name="settleAbandoned"/> (no reply can be running) marked incomplete: their instance stopped.
    /// </summary>
    public async Task<List<Message>> ConversationAsync(Guid sessionId, bool settleAbandoned, CancellationToken ct)
    {
        var messages = new List<Message>();
        await foreach (var message in queries.Conversation(db, sessionId).WithCancellation(ct)) messages.Add(message);
        if (messages.Exists(m => m.Private)) await privateContent.FillAsync(sessionId, messages);
        await files.LoadAsync(messages, ct);
        if (!messages.Exists(m => m.Status == MessageStatus.Generating)) return messages;
        if (!settleAbandoned)
        {
            messages.RemoveAll(m => m.Status == MessageStatus.Generating);
            return messages;
        }
        await db.Messages.Where(m => m.SessionId == sessionId && m.Status == MessageStatus.Generating)
            .ExecuteUpdateAsync(m => m
                .SetProperty(x => x.Status, MessageStatus.Incomplete)
                .SetProperty(x => x.ErrorCode, ChatEvents.ServerStopping)
                .SetProperty(x => x.Error, "The reply was cut off: the server answering it stopped."), ct);
        return await ConversationAsync(sessionId, settleAbandoned: false, ct);
    }

    /// <summary>Whether the session ever had a user message, cleared ones included.</summary>
    public Task<bool> HasUserMessagesAsync(Guid sessionId, CancellationToken ct) =>
        db.Messages.AnyAsync(m => m.SessionId == sessionId && m.Role == MessageRole.User, ct);

    public async Task ClearAsync(SessionContext context, CancellationToken ct)
    {
        await Visible(context.Session.Id).ExecuteUpdateAsync(m => m.SetProperty(x => x.ClearedAt, Now), ct);
        // Cleared messages are never shown again: neither privacy mode's texts nor the files are kept for them.
        await erasure.ClearedAsync(context.Session.Id, ct);
    }

    /// <summary>The end user's rating of one of the replies they can see; null when there is no such reply.</summary>
    public async Task<FeedbackView?> RateReplyAsync(SessionContext context, Guid messageId, string rating, string? comment, CancellationToken ct)
    {
        var at = Now;
        // A comment is what the user said: privacy mode keeps the rating only.
        comment = string.IsNullOrWhiteSpace(comment) || context.Client.ClientParameters.PrivacyMode ? null : comment.Trim();
        var updated = await Visible(context.Session.Id)
            .Where(m => m.Id == messageId && m.Role == MessageRole.Assistant)
            .ExecuteUpdateAsync(m => m
                .SetProperty(x => x.FeedbackRating, rating)
                .SetProperty(x => x.FeedbackComment, comment)
                .SetProperty(x => x.FeedbackAt, at), ct);
        return updated == 0 ? null : new FeedbackView(rating, comment, at);
    }

    /// <summary>
    /// The rows to write for new messages: as they are, or in privacy mode without their text, which goes to the
    /// private store first and lives as long as the session.
    /// </summary>
    async Task<List<Message>> RowsAsync(SessionContext context, List<Message> messages) =>
        context.Client.ClientParameters.PrivacyMode
            ? await privateContent.KeepTextAsync(context.Session.Id, context.Session.ExpiresAt, messages)
            : messages;

    IQueryable<Message> Visible(Guid sessionId) =>
        db.Messages.Where(m => m.SessionId == sessionId && m.ClearedAt == null);

    /// <summary>The session's newest message time, and its new expiry when the message renewed it, in the message's own commit.</summary>
    static void Touch(AppDb db, Guid sessionId, DateTime lastMessageAt, DateTime? renewedTo)
    {
        if (renewedTo is { } until)
            db.Sessions.SetColumns(sessionId, () => new Session { Id = sessionId }, s => s.ExpiresAt = until, nameof(Session.ExpiresAt));
        db.Sessions.SetColumns(sessionId, () => new Session { Id = sessionId }, s => s.LastMessageAt = lastMessageAt, nameof(Session.LastMessageAt));
    }

    /// <summary>
    /// Now, or just after <paramref name="last"/> when the clock says otherwise: a session's order holds even when the
    /// clocks of two instances disagree. Microseconds are the finest step PostgreSQL keeps.
    /// </summary>
    DateTime StampAfter(DateTime last)
    {
        var now = Now;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
        return now > last ? now : last.AddTicks(TimeSpan.TicksPerMicrosecond);
    }

    static ConversationRefusal ReplyInProgress() => new(ConversationRefusal.ReplyInProgress,
        "The assistant is still answering the previous message. Wait for it to finish, then send again.");
}
