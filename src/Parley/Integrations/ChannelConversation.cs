using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Parley.ChatClients;
using Parley.Conversations;
using Parley.Data;
using Parley.Sessions;

namespace Parley.Integrations;

/// <summary>
/// Works one chat of a chat app: its stored updates in arrival order, through the same conversation service as every
/// other channel. Commands are answered here; text goes to the assistant, a burst joined into one message; what is to
/// be sent back is stored on the update first and then delivered, so a chat app that is down delays an answer but
/// never loses it.
/// </summary>
public sealed partial class ChannelConversation(
    AppDb db, ConversationService conversations, SessionService sessions, ChatClientCache clients, ReplyRegistry replies,
    ChannelIntegrations integrations, TimeProvider clock, ILogger<ChannelConversation> logger)
{
    /// <summary>How often a chat app is asked again to deliver an answer before it is given up (and can be replayed).</summary>
    public const int MaxDeliveryAttempts = 8;
    static readonly TimeSpan TypingEvery = TimeSpan.FromSeconds(4);

    DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task WorkAsync(ChannelIntegration integration, string chatId, CancellationToken ct)
    {
        var now = Now;
        var updates = await db.InboundMessages
            .Where(m => m.IntegrationId == integration.Id && m.ChatId == chatId
                && (m.Status == InboundStatus.Pending || m.Status == InboundStatus.Delivering))
            .OrderBy(m => m.ReceivedAt).ThenBy(m => m.Id)
            .ToListAsync(ct);
        // An answer waiting for its delivery holds back everything after it: a chat reads its answers in order.
        while (updates.FirstOrDefault(u => u.Status == InboundStatus.Delivering) is { } waiting)
        {
            if (waiting.NextAttemptAt > now || !await DeliverAsync(integration, waiting, ct)) return;
            updates.Remove(waiting);
        }
        if (updates.Count == 0 || updates.Any(u => u.NextAttemptAt > now)) return;

        var client = await clients.GetAsync(integration.ChatClientId, db, ct);
        if (client is null) return;
        var strings = ChannelStrings.For(client.ClientParameters.LanguageCode);
        var chat = await ChatAsync(integration, chatId, updates[0].SenderName, ct);

        for (var next = 0; next < updates.Count;)
        {
            var update = updates[next];
            var burst = update.Kind == InboundKind.Text && Command(update.Text) is null ? Burst(updates, next) : [update];
            next += burst.Count;
            chat.LastMessageAt = Now;

            var answer = await AnswerAsync(integration, chat, client, strings, burst, ct);
            foreach (var handled in burst) handled.Status = InboundStatus.Done;
            burst[^1].DoneAt = Now;
            if (answer is not null)
            {
                burst[^1].Status = InboundStatus.Delivering;
                burst[^1].Outgoing = answer;
            }
            await db.SaveChangesAsync(ct);
            if (answer is not null && !await DeliverAsync(integration, burst[^1], ct)) return;
        }
    }

    /// <summary>
    /// Plain text messages in a row, answered as one. One already handed to the assistant before a restart ends its
    /// burst, so the burst is the same one and its reply is the one stored.
    /// </summary>
    static List<InboundMessage> Burst(List<InboundMessage> updates, int start)
    {
        var burst = new List<InboundMessage>();
        foreach (var update in updates.Skip(start))
        {
            if (update.Kind != InboundKind.Text || Command(update.Text) is not null) break;
            burst.Add(update);
            if (update.ReplyMessageId is not null) break;
        }
        return burst;
    }

    /// <summary>What to send back for one update, or a burst of text joined into one message; null for nothing.</summary>
    async Task<string?> AnswerAsync(
        ChannelIntegration integration, ChannelChat chat, ChatClient client, IReadOnlyDictionary<string, string> strings,
        List<InboundMessage> burst, CancellationToken ct)
    {
        var update = burst[0];
        var paused = chat.PausedUntil > Now;
        switch (update.Kind)
        {
            case InboundKind.Operator:
                // A person of the business answered from the app itself: the assistant steps aside for a while, and
                // what they said stays in the conversation.
                chat.PausedUntil = Now.AddMinutes(integration.Settings.TakeoverMinutes);
                if (update.Text is { Length: > 0 } said && await OpenSessionAsync(integration, chat, client, ct) is { } context)
                    await conversations.AppendAsync(context, MessageRole.Assistant, said, ct);
                return null;
            case InboundKind.Unsupported:
                return paused ? null : strings["OnlyText"];
        }

        if (Command(update.Text) is { } command) return await CommandAsync(integration, chat, client, strings, command, ct);

        var text = string.Join("\n", burst.Select(u => u.Text?.Trim()).Where(t => !string.IsNullOrEmpty(t)));
        if (text.Length == 0) return null;
        var session = await OpenSessionAsync(integration, chat, client, ct);
        if (session is null) return strings["Unavailable"];
        if (paused)
        {
            await conversations.AppendAsync(session, MessageRole.User, text, ct);
            return null;
        }
        return await ConverseAsync(integration, chat.ChatId, session, text, burst[^1], strings, ct);
    }

    /// <summary>
    /// Sends the message to the assistant and waits for its whole reply, showing it is typing meanwhile. The reply's id
    /// is stored on the update before the wait, so after a restart the stored reply is sent and the model is not asked
    /// again.
    /// </summary>
    async Task<string?> ConverseAsync(
        ChannelIntegration integration, string chatId, SessionContext session, string text, InboundMessage handedOver,
        IReadOnlyDictionary<string, string> strings, CancellationToken ct)
    {
        if (handedOver.ReplyMessageId is { } earlier) return await StoredReplyAsync(session.Session.Id, earlier, strings, ct);

        var message = new UserMessage(text, RenewFor: TimeSpan.FromMinutes(integration.Settings.SessionDurationMinutes));
        var outcome = await conversations.SendAsync(session, message, ct);
        // A chat never gets the session API's 409: a message that comes while a reply runs (the same conversation
        // continued on the web, say) waits for it.
        for (var waited = 0; outcome.Refusal is { Code: ConversationRefusal.ReplyInProgress } && waited < 30; waited++)
        {
            await WaitForReplyAsync(session.Session.Id, ct);
            outcome = await conversations.SendAsync(session, message, ct);
        }
        if (outcome.Refusal is { } refusal) return Refused(refusal, strings);
        // Held for the person who took the conversation over: they answer, through the console.
        if (outcome.Run is not { } run) return null;

        handedOver.ReplyMessageId = run.MessageId;
        await db.SaveChangesAsync(ct);

        using var typing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var showing = ShowTypingAsync(integration, chatId, typing.Token);
        var reply = new StringBuilder();
        var failed = false;
        IReadOnlyList<Research.Source>? sources = null;
        try
        {
            // Typing stays on while the reply's tools run, until its last word.
            await foreach (var item in run.ReadAllAsync(ct))
            {
                if (item.Data is TextPayload delta && item.EventType == ChatEvents.Delta) reply.Append(delta.Content);
                if (item.Data is DonePayload done) sources = done.Sources;
                failed |= item.EventType == ChatEvents.Error;
            }
        }
        finally
        {
            await typing.CancelAsync();
            await showing;
        }
        return Answer(reply.ToString(), failed, strings, sources);
    }

    /// <summary>A reply handed over before a restart: waited for if it still runs somewhere, then read as stored.</summary>
    async Task<string> StoredReplyAsync(Guid sessionId, Guid replyId, IReadOnlyDictionary<string, string> strings, CancellationToken ct)
    {
        await WaitForReplyAsync(sessionId, ct);
        var conversation = await conversations.ConversationAsync(sessionId, settleAbandoned: !await replies.IsReplyingAsync(sessionId), ct);
        var reply = conversation.Find(m => m.Id == replyId);
        return reply is null ? strings["Unavailable"] : Answer(reply.Content, reply.Status != MessageStatus.Complete, strings, reply.Research?.Sources);
    }

    async Task WaitForReplyAsync(Guid sessionId, CancellationToken ct)
    {
        if (await replies.FollowAsync(sessionId, ct) is { } running)
            await foreach (var _ in running.WithCancellation(ct)) { }
        else if (await replies.IsReplyingAsync(sessionId))
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
    }

    /// <summary>
    /// What the assistant managed to say is worth having; a reply cut short says why it stopped. The pages a reply used
    /// follow it, numbered, as links a chat app opens.
    /// </summary>
    static string Answer(string reply, bool failed, IReadOnlyDictionary<string, string> strings, IReadOnlyList<Research.Source>? sources = null)
    {
        var answer = !failed ? reply : reply.Length > 0 ? $"{reply}\n\n{strings["Unavailable"]}" : strings["Unavailable"];
        if (sources is not { Count: > 0 }) return answer;
        var cited = new StringBuilder(answer).Append("\n\n").Append(strings["Sources"]);
        for (var i = 0; i < sources.Count; i++) cited.Append('\n').Append(i + 1).Append(". ").Append(sources[i].Title).Append(" — ").Append(sources[i].Url);
        return cited.ToString();
    }

    async Task<string?> CommandAsync(
        ChannelIntegration integration, ChannelChat chat, ChatClient client, IReadOnlyDictionary<string, string> strings, Command command,
        CancellationToken ct)
    {
        switch (command.Name)
        {
            case "reset":
                if (chat.SessionId is { } id && (await conversations.OpenAsync(id, ct)).Open is { } open) await conversations.ClearAsync(open, ct);
                return strings["ResetDone"];
            case "usage":
                if (!client.ClientParameters.Debug) return strings["UsageUnavailable"];
                var usage = chat.SessionId is { } sessionId ? (await conversations.OpenAsync(sessionId, ct)).Open?.Session : null;
                var (input, output) = (usage?.InputTokens ?? 0, usage?.OutputTokens ?? 0);
                return string.Format(CultureInfo.InvariantCulture, strings["Usage"], input, output, input + output);
            case "start" when command.Argument is { Length: > 0 } code:
                return await ContinueAsync(chat, code, strings, ct);
            case "start":
                return client.ClientParameters.HelloLabel is { Length: > 0 } hello ? hello : strings["Hello"];
            default:
                return await ContinueAsync(chat, command.Argument!, strings, ct);
        }
    }

    /// <summary>Binds this chat to the web session a continuation code was made for: the history continues here.</summary>
    async Task<string> ContinueAsync(ChannelChat chat, string code, IReadOnlyDictionary<string, string> strings, CancellationToken ct)
    {
        var now = Now;
        var found = await db.ContinuationCodes.SingleOrDefaultAsync(c => c.Code == code && c.UsedAt == null && c.ExpiresAt > now, ct);
        var session = found is null ? null : await db.Sessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == found.SessionId, ct);
        if (found is null || session is null) return strings["CodeUnknown"];

        found.UsedAt = now;
        chat.SessionId = session.Id;
        // The chat follows the session's tag, so once that session ends the next one is shared by both again.
        if (session.Tag is { Length: > 0 } tag) chat.Tag = tag;
        LogContinued(logger, chat.IntegrationId, session.Id);
        return strings["Continued"];
    }

    /// <summary>The chat's session, opened again, or a new one when it has none or it expired.</summary>
    async Task<SessionContext?> OpenSessionAsync(ChannelIntegration integration, ChannelChat chat, ChatClient client, CancellationToken ct)
    {
        if (chat.SessionId is { } current && (await conversations.OpenAsync(current, ct)).Open is { } open) return open;

        var channel = integration.Type == IntegrationType.Telegram ? SessionChannels.Telegram : SessionChannels.WhatsApp;
        var lifetime = TimeSpan.FromMinutes(integration.Settings.SessionDurationMinutes);
        var issued = await sessions.OpenAsync(client.Id, chat.Tag, null, lifetime, ct, channel);
        chat.SessionId = issued.SessionId;
        await db.SaveChangesAsync(ct);
        return (await conversations.OpenAsync(issued.SessionId, ct)).Open;
    }

    async Task<ChannelChat> ChatAsync(ChannelIntegration integration, string chatId, string? displayName, CancellationToken ct)
    {
        var chat = await db.ChannelChats.SingleOrDefaultAsync(c => c.IntegrationId == integration.Id && c.ChatId == chatId, ct);
        if (chat is not null) return chat;
        var prefix = integration.Type == IntegrationType.Telegram ? SessionChannels.Telegram : SessionChannels.WhatsApp;
        chat = new ChannelChat
        {
            IntegrationId = integration.Id,
            ChatId = chatId,
            Tag = $"{prefix}:{chatId}",
            DisplayName = displayName,
            CreatedAt = Now,
            LastMessageAt = Now,
        };
        db.ChannelChats.Add(chat);
        return chat;
    }

    /// <summary>Sends a stored answer; on a failure it is tried again later, with backoff, and after many failures given up.</summary>
    async Task<bool> DeliverAsync(ChannelIntegration integration, InboundMessage update, CancellationToken ct)
    {
        var channel = integrations.ChannelFor(integration.Type);
        try
        {
            var messages = channel.Format(update.Outgoing!);
            for (; update.PartsSent < messages.Count; update.PartsSent++)
            {
                await channel.SendAsync(integration, update.ChatId, messages[update.PartsSent], first: update.PartsSent == 0, ct);
                // A long answer that fails halfway goes on from here: what the chat has got is never sent twice.
                if (messages.Count > 1) await db.SaveChangesAsync(CancellationToken.None);
            }
            update.Status = InboundStatus.Done;
            update.DoneAt = Now;
            update.LastError = null;
            await db.SaveChangesAsync(ct);
            if (update.Attempts > 0)
            {
                // The status line said a delivery failed; it no longer does.
                await db.Integrations.Where(i => i.Id == integration.Id).ExecuteUpdateAsync(i => i
                    .SetProperty(x => x.Status, $"Delivering again: an answer went out after {update.Attempts + 1} attempts")
                    .SetProperty(x => x.StatusAt, Now), CancellationToken.None);
            }
            return true;
        }
        catch (ChannelException ex)
        {
            update.Attempts++;
            update.LastError = ex.Message;
            var givenUp = ex.Permanent || update.Attempts >= MaxDeliveryAttempts;
            if (givenUp) update.Status = InboundStatus.Failed;
            else update.NextAttemptAt = Now + (ex.RetryAfter ?? Backoff(update.Attempts));
            await db.SaveChangesAsync(CancellationToken.None);
            await db.Integrations.Where(i => i.Id == integration.Id).ExecuteUpdateAsync(i => i
                .SetProperty(x => x.Status, Truncate($"Could not deliver an answer: {ex.Message}"))
                .SetProperty(x => x.StatusAt, Now), CancellationToken.None);
            if (givenUp) LogGivenUp(logger, integration.Id, update.Attempts, ex.Message);
            else LogDeliveryFailed(logger, integration.Id, update.Attempts, update.NextAttemptAt, ex.Message);
            return false;
        }
    }

    async Task ShowTypingAsync(ChannelIntegration integration, string chatId, CancellationToken ct)
    {
        var channel = integrations.ChannelFor(integration.Type);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await channel.ShowTypingAsync(integration, chatId, ct);
                await Task.Delay(TypingEvery, clock, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (ChannelException)
        {
            // Only a courtesy: the answer goes out whether or not the app showed it coming.
        }
    }

    /// <summary>2, 4, 8… seconds, at most five minutes, between attempts to deliver.</summary>
    static TimeSpan Backoff(int attempts) => TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, attempts)));

    static string Refused(ConversationRefusal refusal, IReadOnlyDictionary<string, string> strings) => refusal switch
    {
        { OperatorMessage: { } words } => words,
        { Code: ConversationRefusal.HourlyLimitReached } => string.Format(CultureInfo.InvariantCulture, strings["HourlyLimit"],
            refusal.Get<int>("limit"), refusal.Get<DateTime>("resetsAt").ToString("HH:mm", CultureInfo.InvariantCulture)),
        { Code: ConversationRefusal.MaxMessagesReached } => string.Format(CultureInfo.InvariantCulture, strings["MaxMessages"], refusal.Get<int>("limit")),
        { Code: ConversationRefusal.InputTooLong } => string.Format(CultureInfo.InvariantCulture, strings["TooLong"],
            refusal.Get<int>("tokens"), refusal.Get<int>("limit")),
        { Code: ConversationRefusal.TokenBudgetSpent } => string.Format(CultureInfo.InvariantCulture, strings["BudgetSpent"],
            refusal.Get<DateTime>("resetsAt").ToString("HH:mm", CultureInfo.InvariantCulture)),
        _ => strings["Unavailable"],
    };

    /// <summary>A command, or a continuation code sent alone (how a wa.me link arrives): null for a plain message.</summary>
    static Command? Command(string? text)
    {
        if (text is null) return null;
        var match = CommandPattern().Match(text.Trim());
        if (match.Success) return new Command(match.Groups["name"].Value.ToLowerInvariant(), match.Groups["argument"].Value.Trim() is { Length: > 0 } a ? a : null);
        return ContinuationCodes.LooksLikeCode(text.Trim()) ? new Command("continue", text.Trim()) : null;
    }

    static string Truncate(string text) => text.Length <= 500 ? text : text[..499] + "…";

    // Telegram sends "/reset@MyBot" in groups; only Parley's own commands count, anything else is a message.
    [GeneratedRegex(@"^/(?<name>reset|usage|start)(@\w+)?(\s+(?<argument>\S+))?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex CommandPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "A chat of integration {IntegrationId} now continues session {SessionId}")]
    static partial void LogContinued(ILogger logger, Guid integrationId, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Integration {IntegrationId}: delivery attempt {Attempt} failed, next at {NextAttemptAt:O}: {Reason}")]
    static partial void LogDeliveryFailed(ILogger logger, Guid integrationId, int attempt, DateTime nextAttemptAt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Integration {IntegrationId}: an answer was given up after {Attempts} attempts: {Reason}")]
    static partial void LogGivenUp(ILogger logger, Guid integrationId, int attempts, string reason);
}

/// <summary>A command sent in a chat: <c>/reset</c>, <c>/usage</c>, <c>/start [code]</c>, or a continuation code alone.</summary>
sealed record Command(string Name, string? Argument);
