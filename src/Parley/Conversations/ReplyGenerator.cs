using System.Net.ServerSentEvents;
using Microsoft.EntityFrameworkCore;
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
public sealed partial class ReplyGenerator(
    ReplyRegistry registry, ModelClients models, TokenCounter tokens, WriteBatcher writes, SessionEvents events, TimeProvider clock,
    ILogger<ReplyGenerator> logger)
{
    static readonly TimeSpan SaveEvery = TimeSpan.FromSeconds(1);

    public void Start(ReplyRun run, Guid sessionId, Guid messageId, AiGateway gateway, List<Microsoft.Extensions.AI.ChatMessage> prompt)
    {
        // Task.Run detaches the generation from the request; the registry owns it and awaits it on shutdown.
        _ = Task.Run(() => GenerateAsync(run, sessionId, messageId, gateway, prompt), CancellationToken.None);
    }

    async Task GenerateAsync(ReplyRun run, Guid sessionId, Guid messageId, AiGateway gateway, List<Microsoft.Extensions.AI.ChatMessage> prompt)
    {
        var reply = new ReplyAccumulator();
        (string Code, string Message)? error = null;
        try
        {
            if (gateway.Parameters.AssistantPrefill is { Length: > 0 } prefill) run.Append(reply.Begin(prefill));

            var client = models.For(gateway);
            var lastSave = clock.GetTimestamp();
            await foreach (var part in ReplyParts.ReadAsync(client, prompt, ModelClients.ToChatOptions(gateway.Parameters), registry.Stopping))
            {
                foreach (var item in reply.Add(part)) run.Append(item);
                if (clock.GetElapsedTime(lastSave) >= SaveEvery)
                {
                    await SaveProgressAsync(messageId, reply);
                    lastSave = clock.GetTimestamp();
                }
            }
        }
        catch (Exception ex)
        {
            error = ProviderErrors.Describe(ex);
            // Known provider faults are the provider's story, told in one line; anything else needs the stack.
            if (error.Value.Code == ProviderErrors.UnexpectedCode) LogReplyFailedUnexpectedly(logger, ex, sessionId);
            else LogReplyFailed(logger, sessionId, error.Value.Code, error.Value.Message);
        }

        SseItem<object> final;
        try
        {
            var usage = reply.Usage(gateway.Parameters.ModelName, prompt, tokens);
            await FinishAsync(sessionId, messageId, reply, usage, error?.Message);
            final = error is { } e
                ? ChatEvents.OfError(e.Code, e.Message, messageId)
                : ChatEvents.OfDone(messageId, reply.FinishReason ?? "stop", usage);
        }
        catch (Exception ex)
        {
            LogStoreFailed(logger, ex, sessionId);
            final = ChatEvents.OfError("storage_failed", "The reply could not be saved. Please try again.", messageId);
        }
        await registry.EndAsync(sessionId, run, final);
        await events.PublishAsync(sessionId, messageId, final.EventType == ChatEvents.Done ? "reply-completed" : "reply-failed");
    }

    // Saving must not depend on the shutdown token: the point is to keep what was said.
    Task SaveProgressAsync(Guid messageId, ReplyAccumulator reply)
    {
        var (text, reasoning) = (reply.Text, reply.Reasoning);
        return writes.WriteAsync(db => db.Messages.Where(m => m.Id == messageId).ExecuteUpdateAsync(m => m
            .SetProperty(x => x.Content, text)
            .SetProperty(x => x.Reasoning, reasoning), CancellationToken.None));
    }

    /// <summary>The reply and the session's totals change in one commit, so they always agree.</summary>
    Task FinishAsync(Guid sessionId, Guid messageId, ReplyAccumulator reply, UsageView usage, string? error)
    {
        var input = (int)usage.InputTokens;
        var output = (int)usage.OutputTokens;
        var (text, reasoning, finishReason) = (reply.Text, reply.Reasoning, reply.FinishReason);
        return writes.WriteAsync(async db =>
        {
            await db.Messages.Where(m => m.Id == messageId).ExecuteUpdateAsync(m => m
                .SetProperty(x => x.Content, text)
                .SetProperty(x => x.Reasoning, reasoning)
                .SetProperty(x => x.Status, error is null ? MessageStatus.Complete : MessageStatus.Incomplete)
                .SetProperty(x => x.Error, error)
                .SetProperty(x => x.FinishReason, error is null ? finishReason ?? "stop" : "error")
                .SetProperty(x => x.InputTokens, input)
                .SetProperty(x => x.OutputTokens, output)
                .SetProperty(x => x.UsageSource, usage.Source == "provider" ? UsageSource.Provider : UsageSource.Estimated), CancellationToken.None);
            await db.Sessions.Where(s => s.Id == sessionId).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.InputTokens, x => x.InputTokens + input)
                .SetProperty(x => x.OutputTokens, x => x.OutputTokens + output), CancellationToken.None);
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reply in session {SessionId} ended early: {Code} {Reason}")]
    static partial void LogReplyFailed(ILogger logger, Guid sessionId, string code, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The reply in session {SessionId} failed unexpectedly")]
    static partial void LogReplyFailedUnexpectedly(ILogger logger, Exception exception, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The reply in session {SessionId} could not be stored")]
    static partial void LogStoreFailed(ILogger logger, Exception exception, Guid sessionId);
}
