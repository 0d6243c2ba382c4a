using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Parley.Attachments;
using Parley.Research;
using Parley.OperatorConsole;
using Parley.Data;
using Parley.Gateways;
using Parley.Sessions;

namespace Parley.Conversations;

/// <summary>
/// Generates a session's reply in the background, independent of the request that asked for it. The reply's row
/// exists from the start and is saved as it grows, so even a crash keeps all but the last moment of it; when it
/// ends it is marked complete, or incomplete with the error when the provider fails part-way.
/// </summary>
/// <summary>
/// One reply to generate: the session (and its chat client, for watchers), the reply's stored message, the prompt, and
/// the commit of the user's message that the first token waits for. <paramref name="Asked"/> is the user's message,
/// when the reply answers one. <paramref name="PrivateUntil"/>, in privacy mode: the reply's text goes to the private
/// store, to be kept until then, and its row gets none of it. <paramref name="BudgetAddress"/>: the client address whose
/// daily token budget the reply's tokens count against.
/// </summary>
public sealed record ReplyJob(
    Guid SessionId, Guid ChatClientId, Guid MessageId, AiGateway Gateway, List<ChatMessage> Prompt, Task Stored, string? Asked,
    DateTime? PrivateUntil = null, string? BudgetAddress = null);

public sealed partial class ReplyGenerator(
    ReplyRegistry registry, ModelClients models, TokenCounter tokens, WriteBatcher writes, SessionEvents events, IPrivateContent privateContent,
    IAddressTokens addressTokens, AttachmentKeeper keeper, ReplyTools tools, TimeProvider clock, ILogger<ReplyGenerator> logger)
{
    static readonly TimeSpan SaveEvery = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Generates the reply once <see cref="ReplyJob.Stored"/> (the commit of the user's message and the reply's first
    /// row) is durable. The provider is asked at once, so the commit hides behind its time to first token; nothing
    /// reaches a reader before the commit.
    /// </summary>
    public void Start(ReplyRun run, ReplyJob job) =>
        // Detached from the request that asked for it; the registry tracks the work and waits for it on shutdown.
        registry.Track(Task.Run(() => GenerateOrEndAsync(run, job), CancellationToken.None));

    /// <summary>Whatever throws, the run ends: its readers get an error and the session is free for the next message.</summary>
    async Task GenerateOrEndAsync(ReplyRun run, ReplyJob job)
    {
        try
        {
            await GenerateAsync(run, job);
        }
        catch (Exception ex)
        {
            LogReplyFailedUnexpectedly(logger, ex, job.SessionId);
            await registry.EndAsync(job.SessionId, run, ChatEvents.OfError(ProviderErrors.UnexpectedCode,
                "Something went wrong while answering. Please try again.", job.MessageId));
        }
    }

    async Task GenerateAsync(ReplyRun run, ReplyJob job)
    {
        var (sessionId, messageId, gateway, prompt, stored) = (job.SessionId, job.MessageId, job.Gateway, job.Prompt, job.Stored);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(registry.Stopping);
        IAsyncEnumerator<ReplyPart>? parts = null;
        Task<bool> first;
        try
        {
            parts = PartsAsync(gateway, prompt, cancel.Token).GetAsyncEnumerator(cancel.Token);
            first = parts.MoveNextAsync().AsTask();
        }
        catch (Exception ex)
        {
            first = Task.FromException<bool>(ex);
        }

        try
        {
            await stored;
        }
        catch (Exception ex)
        {
            LogStoreFailed(logger, ex, sessionId);
            await cancel.CancelAsync();
            await Task.WhenAny(first); // the cancelled request's outcome no longer matters
            if (parts is not null) await parts.DisposeAsync();
            await registry.EndAsync(sessionId, run, ChatEvents.OfError(ChatEvents.StorageFailed, "The message could not be saved. Please try again.", null));
            return;
        }
        // Operators hear of the reply while it streams: the caller's first token does not wait for them (with
        // instances sharing state that is a round trip to Redis), and the end is told only after the start.
        var startTold = events.PublishAsync(new SessionActivity(sessionId, job.ChatClientId, SessionActivityKinds.ReplyStarted,
            clock.GetUtcNow().UtcDateTime, messageId, Preview(job.Asked)));

        var reply = new ReplyAccumulator();
        (string Code, string Message)? error = null;
        try
        {
            if (gateway.Parameters.AssistantPrefill is { Length: > 0 } prefill) run.Append(reply.Begin(prefill));
            var lastSave = clock.GetTimestamp();
            if (await first)
            {
                do
                {
                    foreach (var item in reply.Add(parts!.Current)) run.Append(item);
                    if (clock.GetElapsedTime(lastSave) >= SaveEvery)
                    {
                        await SaveProgressAsync(job, reply);
                        lastSave = clock.GetTimestamp();
                    }
                }
                while (await parts.MoveNextAsync());
            }
        }
        catch (Exception ex)
        {
            // Cut off at the end of the shutdown grace period: whatever the provider call threw, that is the story.
            error = registry.Stopping.IsCancellationRequested
                ? (ChatEvents.ServerStopping, "Parley is shutting down and cut this reply off; what was said is kept. Please try again in a moment.")
                : ProviderErrors.Describe(ex);
            // Known provider faults are the provider's story, told in one line; anything else needs the stack.
            if (error.Value.Code == ProviderErrors.UnexpectedCode) LogReplyFailedUnexpectedly(logger, ex, sessionId);
            else LogReplyFailed(logger, sessionId, error.Value.Code, error.Value.Message, ProviderErrors.ProviderSaid(ex) ?? "nothing");
        }
        finally
        {
            if (parts is not null) await parts.DisposeAsync();
        }

        SseItem<object> final;
        try
        {
            var usage = reply.Usage(gateway.Parameters.ModelName, prompt, tokens);
            await FinishAsync(job, reply, usage, error);
            await CountForAddressAsync(job, usage);
            final = error is { } e
                ? ChatEvents.OfError(e.Code, e.Message, messageId)
                : ChatEvents.OfDone(messageId, reply.FinishReason, usage, reply.Research?.Sources);
        }
        catch (Exception ex)
        {
            LogStoreFailed(logger, ex, sessionId);
            final = ChatEvents.OfError(ChatEvents.StorageFailed, "The reply could not be saved. Please try again.", messageId);
        }
        await registry.EndAsync(sessionId, run, final);
        await startTold;
        await events.PublishAsync(new SessionActivity(sessionId, job.ChatClientId,
            final.EventType == ChatEvents.Done ? SessionActivityKinds.ReplyCompleted : SessionActivityKinds.ReplyFailed,
            clock.GetUtcNow().UtcDateTime, messageId, Preview(reply.Text)));
    }

    /// <summary>The reply's parts, with the gateway's tools (web search, pages, MCP servers) when it has any.</summary>
    async IAsyncEnumerable<ReplyPart> PartsAsync(AiGateway gateway, List<ChatMessage> prompt, [EnumeratorCancellation] CancellationToken ct)
    {
        var (client, options) = await tools.PrepareAsync(models.For(gateway), gateway, ModelClients.ToChatOptions(gateway.Parameters), ct);
        await foreach (var part in ReplyParts.ReadAsync(client, prompt, options, ct)) yield return part;
    }

    // Saving must not depend on the shutdown token: the point is to keep what was said.
    Task SaveProgressAsync(ReplyJob job, ReplyAccumulator reply)
    {
        var (messageId, text, reasoning) = (job.MessageId, reply.Text, reply.Reasoning);
        if (job.PrivateUntil is { } keepUntil) return privateContent.KeepAsync(job.SessionId, keepUntil, [new PrivateText(messageId, text, reasoning)]);
        return writes.WriteAsync(db => db.Messages.SetColumns(messageId, () => Message.StandIn(messageId), m =>
        {
            m.Content = text;
            m.Reasoning = reasoning;
        }, nameof(Message.Content), nameof(Message.Reasoning)));
    }

    /// <summary>
    /// The reply and the session's totals change in one commit, so they always agree. The finish reason is the
    /// provider's, null when it gave none. Images in the reply become its files (<see cref="ReplyImages"/>). In privacy
    /// mode the text goes to the private store first, and the commit leaves the row's empty text as it is.
    /// </summary>
    async Task FinishAsync(ReplyJob job, ReplyAccumulator reply, UsageView usage, (string Code, string Message)? error)
    {
        var (messageId, input, output) = (job.MessageId, (int)usage.InputTokens, (int)usage.OutputTokens);
        var (reasoning, finishReason, research) = (reply.Reasoning, reply.FinishReason, reply.Research);
        var (text, images) = ReplyImages.Extract(reply.Text, reply.Images);
        var files = images.Count == 0 ? [] : await keeper.KeepAsync(job.SessionId, messageId, job.PrivateUntil, images, CancellationToken.None);
        string[] columns = [nameof(Message.Status), nameof(Message.Error), nameof(Message.ErrorCode), nameof(Message.FinishReason),
            nameof(Message.InputTokens), nameof(Message.OutputTokens), nameof(Message.UsageSource), nameof(Message.HasAttachments)];
        var keepsText = job.PrivateUntil is null;
        if (job.PrivateUntil is { } keepUntil) await privateContent.KeepAsync(job.SessionId, keepUntil, [new PrivateText(messageId, text, reasoning, research)]);
        else columns = [.. columns, nameof(Message.Content), nameof(Message.Reasoning), nameof(Message.Research)];
        await writes.WriteAsync(db =>
        {
            db.Messages.SetColumns(messageId, () => Message.StandIn(messageId), m =>
            {
                if (keepsText) (m.Content, m.Reasoning, m.Research) = (text, reasoning, research);
                m.Status = error is null ? MessageStatus.Complete : MessageStatus.Incomplete;
                m.Error = error?.Message;
                m.ErrorCode = error?.Code;
                m.FinishReason = finishReason;
                m.InputTokens = input;
                m.OutputTokens = output;
                m.UsageSource = usage.Source == "provider" ? UsageSource.Provider : UsageSource.Estimated;
                m.HasAttachments = files.Count > 0;
            }, columns);
            db.Attachments.AddRange(files);
        }, new SessionUsage(job.SessionId, input, output));
    }

    /// <summary>The reply is stored whatever happens here: a count that fails only lets the address spend a little more.</summary>
    async Task CountForAddressAsync(ReplyJob job, UsageView usage)
    {
        if (job.BudgetAddress is not { } address) return;
        try
        {
            await addressTokens.AddAsync(job.ChatClientId, address, clock.GetUtcNow().UtcDateTime.Date, usage.InputTokens + usage.OutputTokens);
        }
        catch (Exception ex)
        {
            LogBudgetCountFailed(logger, ex, job.SessionId);
        }
    }

    /// <summary>Enough of a message for a list row.</summary>
    public static string? Preview(string? text) => text is null ? null : text.Length <= 200 ? text : text[..200] + "…";

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reply in session {SessionId} ended early: {Code} {Reason} The provider said: {ProviderSaid}")]
    static partial void LogReplyFailed(ILogger logger, Guid sessionId, string code, string reason, string providerSaid);

    [LoggerMessage(Level = LogLevel.Error, Message = "The reply in session {SessionId} failed unexpectedly")]
    static partial void LogReplyFailedUnexpectedly(ILogger logger, Exception exception, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The tokens of the reply in session {SessionId} could not be counted for its client address")]
    static partial void LogBudgetCountFailed(ILogger logger, Exception exception, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The reply in session {SessionId} could not be stored")]
    static partial void LogStoreFailed(ILogger logger, Exception exception, Guid sessionId);
}
