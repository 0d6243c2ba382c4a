using Parley.Attachments;
using System.Net.ServerSentEvents;
using Parley.Conversations;
using Parley.Sessions;

namespace Parley.OperatorConsole.Chats;

/// <summary>
/// One conversation open in the chat panel, as state the panel renders: its messages, the reply streaming in, the
/// typing indicator and the operator's delivery statuses. Whatever changes it (the operator's message, or a reply
/// that started elsewhere and is followed with <see cref="FollowAsync"/>) raises <see cref="Changed"/>, and the
/// panel showing it renders again.
/// </summary>
public sealed class ChatThread : IDisposable
{
    // Enough frames for text to flow, few enough that a fast model does not flood the circuit.
    const long RenderEveryMs = 50;

    readonly ChatsWorkspace workspace;
    readonly CancellationTokenSource closing = new();
    List<ChatEntry> entries;
    bool catchingUp;
    bool changedMeanwhile;

    public ChatThread(ChatsWorkspace workspace, SessionRow row, bool expired, IReadOnlyList<Message> history)
    {
        this.workspace = workspace;
        Row = row;
        Expired = expired;
        entries = [.. history.Select(ChatEntry.Of)];
        MarkDeliveries();
    }

    /// <summary>The session's row as last read: the page puts a fresh one here when the session changes.</summary>
    public SessionRow Row { get; set; }
    public Guid SessionId => Row.Id;
    /// <summary>A console session's user messages are the operator's own, and carry a delivery status.</summary>
    public bool FromConsole => Row.Channel == SessionChannels.Console;
    /// <summary>The chat client masks phone numbers, e-mail addresses and card numbers for operators.</summary>
    public bool Masked => Row.Assistant.MasksPersonalData;
    /// <summary>The person answering in the assistant's place, when one is.</summary>
    public string? TakenOverBy => Row.TakenOverBy;
    public bool Expired { get; private set; }
    public IReadOnlyList<ChatEntry> Entries => entries;
    /// <summary>A message went to the model and nothing came back yet.</summary>
    public bool Typing { get; private set; }
    public bool Replying { get; private set; }
    /// <summary>What the reply's tool is doing now ("Searching the web for …"), while one runs.</summary>
    public string? ToolActivity { get; private set; }
    /// <summary>Why the operator's last message was refused (a limit, an expired session…), until the next one.</summary>
    public ConversationRefusal? Refusal { get; private set; }
    public string? LastQuestion => entries.LastOrDefault(e => e.Role == MessageRole.User)?.Content;

    public event Func<Task>? Changed;

    /// <summary>Sends the operator's message and follows its reply to the end; false when it was refused.</summary>
    public async Task<bool> SendAsync(string text, IReadOnlyList<(IncomingFile File, string? Preview)>? files = null)
    {
        var ct = closing.Token;
        files ??= [];
        var question = new ChatEntry(MessageRole.User, workspace.Now)
        {
            Delivery = Delivery.Sending,
            Files = [.. files.Select(f => new EntryFile(f.File.Name, "", f.File.Data.Length, f.Preview))],
        };
        question.Append(text);
        entries.Add(question);
        Refusal = null;
        Replying = true;
        await ChangedAsync();

        StartOutcome outcome;
        try
        {
            outcome = await workspace.SendAsync(SessionId, text, [.. files.Select(f => f.File)], ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
        if (outcome.Refusal is { } refusal)
        {
            entries.Remove(question);
            Refusal = refusal;
            Replying = false;
            Expired |= refusal.Code == ConversationRefusal.SessionExpired;
            await ChangedAsync();
            return false;
        }
        // The message is in the commit the reply's first event waits for.
        question.Delivery = Delivery.Sent;
        await FollowAsync(outcome.Run!.ReadAllAsync(ct), question);
        return true;
    }

    /// <summary>
    /// Shows a reply as it streams: the typing indicator until its first event, then the text token by token. The
    /// reply of the operator's <paramref name="question"/> moves its status on; a reply that started elsewhere (a
    /// session opened mid-reply) has none.
    /// </summary>
    public async Task FollowAsync(IAsyncEnumerable<SseItem<object>> reply, ChatEntry? question = null)
    {
        var ct = closing.Token;
        ChatEntry? answer = null;
        Replying = true;
        Typing = true;
        await ChangedAsync();
        var renderedAt = 0L;
        var unrendered = false;
        try
        {
            await using var events = reply.GetAsyncEnumerator(ct);
            while (true)
            {
                // Nothing more at hand (the model pauses): show what came so far instead of waiting for the next event.
                var next = events.MoveNextAsync();
                if (unrendered && !next.IsCompleted)
                {
                    (renderedAt, unrendered) = (Environment.TickCount64, false);
                    await ChangedAsync();
                }
                if (!await next) break;
                var item = events.Current;
                if (answer is null && item.EventType is ChatEvents.Delta or ChatEvents.Reasoning or ChatEvents.Done)
                {
                    answer = new ChatEntry(MessageRole.Assistant, workspace.Now) { Generating = true };
                    entries.Add(answer);
                    Typing = false;
                    if (question is not null) question.Delivery = Delivery.Delivered;
                    renderedAt = 0;
                }
                switch (item.Data)
                {
                    case TextPayload text when item.EventType == ChatEvents.Delta:
                        answer!.Append(text.Content);
                        break;
                    case TextPayload text:
                        answer!.AppendReasoning(text.Content);
                        break;
                    case ToolPayload tool:
                        ToolActivity = tool.Status == "running" ? tool.Summary : null;
                        break;
                    case DonePayload done:
                        answer!.Generating = false;
                        answer.Research = done.Sources is { Count: > 0 } sources ? new Research.ReplyResearch([], sources) : null;
                        // Known at once, so the reply can be read aloud before the conversation is read back.
                        answer.MessageId ??= done.MessageId;
                        if (question is not null) question.Delivery = Delivery.Read;
                        break;
                    case ErrorPayload error when error.MessageId is null && answer is null:
                        // Nothing was stored: the message never reached the conversation.
                        if (question is not null) question.Delivery = Delivery.NotSent;
                        Refusal = new ConversationRefusal(error.Code, error.Message);
                        break;
                    case ErrorPayload error:
                        answer ??= AddAnswer();
                        answer.Generating = false;
                        answer.Incomplete = true;
                        (answer.ErrorCode, answer.ErrorMessage) = (error.Code, error.Message);
                        break;
                }
                unrendered = true;
                if (Environment.TickCount64 - renderedAt >= RenderEveryMs)
                {
                    (renderedAt, unrendered) = (Environment.TickCount64, false);
                    await ChangedAsync();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }
        finally
        {
            Typing = false;
            Replying = false;
            ToolActivity = null;
        }
        await ChangedAsync();
        // What changed while this reply streamed (the end user wrote again) is read now.
        if (changedMeanwhile && !catchingUp) await CatchUpAsync();

        ChatEntry AddAnswer()
        {
            var added = new ChatEntry(MessageRole.Assistant, workspace.Now);
            entries.Add(added);
            Typing = false;
            return added;
        }
    }

    /// <summary>
    /// Reads the conversation again after something changed it elsewhere (the end user wrote, a person answered, a
    /// reply began on another instance), and follows a reply that is running. Calls while one runs are folded into one
    /// more read after it; a reply this thread already follows shows itself.
    /// </summary>
    public async Task CatchUpAsync()
    {
        if (catchingUp || Replying)
        {
            changedMeanwhile = true;
            return;
        }
        catchingUp = true;
        try
        {
            do
            {
                changedMeanwhile = false;
                var state = await workspace.StateAsync(SessionId, closing.Token);
                Merge(state.Messages);
                await ChangedAsync();
                if (state.RunningReply is { } reply) await FollowAsync(reply);
            }
            while (changedMeanwhile && !closing.IsCancellationRequested);
        }
        catch (OperationCanceledException) when (closing.IsCancellationRequested)
        {
            // The panel closed meanwhile.
        }
        finally
        {
            catchingUp = false;
        }
    }

    /// <summary>Takes the conversation over for <paramref name="by"/>, or hands it back; false, with the reason shown, when refused.</summary>
    public async Task<bool> TakeOverAsync(OperatorRef? by)
    {
        Refusal = by is null
            ? await workspace.HandBackAsync(SessionId, closing.Token)
            : await workspace.TakeOverAsync(SessionId, by, closing.Token);
        Expired |= Refusal?.Code == ConversationRefusal.SessionExpired;
        await ChangedAsync();
        return Refusal is null;
    }

    /// <summary>The operator's answer in a conversation taken over: it goes to the end user under <paramref name="by"/>'s name.</summary>
    public async Task<bool> AnswerAsync(string text, OperatorRef by)
    {
        var answer = new ChatEntry(MessageRole.Assistant, workspace.Now) { AuthorName = by.Name };
        answer.Append(text);
        entries.Add(answer);
        Refusal = null;
        await ChangedAsync();
        ConversationRefusal? refusal;
        try
        {
            refusal = await workspace.AnswerAsync(SessionId, by, text, closing.Token);
        }
        catch (OperationCanceledException) when (closing.IsCancellationRequested)
        {
            return false;
        }
        if (refusal is null) return true;
        entries.Remove(answer);
        Refusal = refusal;
        Expired |= refusal.Code == ConversationRefusal.SessionExpired;
        await ChangedAsync();
        return false;
    }

    /// <summary>
    /// The stored conversation in place of what the page shows: entries that show a stored message (or were waiting to
    /// be stored as it) stay the same objects, so the panel only adds what is new.
    /// </summary>
    void Merge(IReadOnlyList<Message> history)
    {
        var merged = new List<ChatEntry>(history.Count);
        var next = 0;
        foreach (var message in history)
        {
            var at = entries.FindIndex(next, e => e.Shows(message));
            if (at >= 0)
            {
                entries[at].Take(message);
                merged.Add(entries[at]);
                next = at + 1;
            }
            else
            {
                merged.Add(ChatEntry.Of(message));
            }
        }
        // An answer of the operator's still being stored stays where they wrote it.
        merged.AddRange(entries.Skip(next).Where(e => e.MessageId is null && e.AuthorName is not null));
        entries = merged;
        MarkDeliveries();
    }

    /// <summary>What became of the operator's messages in a console session, from what followed each one.</summary>
    void MarkDeliveries()
    {
        if (!FromConsole) return;
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Role != MessageRole.User) continue;
            var reply = i + 1 < entries.Count && entries[i + 1].Role == MessageRole.Assistant ? entries[i + 1] : null;
            entries[i].Delivery = reply switch
            {
                { Incomplete: false } => Delivery.Read,
                { Content.Length: > 0 } => Delivery.Delivered,
                _ => Delivery.Sent,
            };
        }
    }

    /// <summary>Stops following: the reply itself goes on and is stored, as when a talk page closes.</summary>
    public void Dispose()
    {
        closing.Cancel();
        closing.Dispose();
    }

    Task ChangedAsync() => Changed?.Invoke() ?? Task.CompletedTask;
}
