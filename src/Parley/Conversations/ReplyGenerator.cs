using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Gateways;
using Parley.Sessions;

namespace Parley.Conversations;

/// <summary>
/// Generates a session's reply in the background, independent of the request that asked for it, and stores it
/// when it ends: complete, or marked incomplete with the error when the provider fails part-way.
/// </summary>
public sealed partial class ReplyGenerator(
    ReplyRegistry registry, ModelClients models, TokenCounter tokens, IServiceScopeFactory scopes, TimeProvider clock,
    ILogger<ReplyGenerator> logger)
{
    public void Start(ReplyRun run, Guid sessionId, AiGateway gateway, List<Microsoft.Extensions.AI.ChatMessage> prompt)
    {
        // Task.Run detaches the generation from the request; the registry owns it and awaits it on shutdown.
        _ = Task.Run(() => GenerateAsync(run, sessionId, gateway, prompt), CancellationToken.None);
    }

    async Task GenerateAsync(ReplyRun run, Guid sessionId, AiGateway gateway, List<Microsoft.Extensions.AI.ChatMessage> prompt)
    {
        var reply = new ReplyAccumulator();
        Exception? failure = null;
        try
        {
            if (gateway.Parameters.AssistantPrefill is { Length: > 0 } prefill) run.Append(reply.Begin(prefill));

            var client = models.For(gateway);
            await foreach (var part in ReplyParts.ReadAsync(client, prompt, ModelClients.ToChatOptions(gateway.Parameters), registry.Stopping))
            {
                foreach (var item in reply.Add(part)) run.Append(item);
            }
        }
        catch (Exception ex)
        {
            failure = ex;
            var (code, message) = ProviderErrors.Describe(ex);
            // Known provider faults are the provider's story, told in one line; anything else needs the stack.
            if (code == ProviderErrors.UnexpectedCode) LogReplyFailedUnexpectedly(logger, ex, sessionId);
            else LogReplyFailed(logger, sessionId, code, message);
        }

        try
        {
            var usage = reply.Usage(gateway.Parameters.ModelName, prompt, tokens);
            var message = await StoreAsync(sessionId, reply, usage, failure);
            run.Append(failure is null
                ? ChatEvents.OfDone(message.Id, message.FinishReason ?? "stop", usage)
                : ChatEvents.OfError(ProviderErrors.Describe(failure).Code, message.Error!, message.Id));
        }
        catch (Exception ex)
        {
            LogStoreFailed(logger, ex, sessionId);
            run.Append(ChatEvents.OfError("storage_failed", "The reply could not be saved. Please try again.", null));
        }
        finally
        {
            registry.End(sessionId, run);
        }
    }

    async Task<Message> StoreAsync(Guid sessionId, ReplyAccumulator reply, UsageView usage, Exception? failure)
    {
        var message = new Message
        {
            SessionId = sessionId,
            Role = MessageRole.Assistant,
            Content = reply.Text,
            Reasoning = reply.Reasoning,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            Status = failure is null ? MessageStatus.Complete : MessageStatus.Incomplete,
            Error = failure is null ? null : ProviderErrors.Describe(failure).Message,
            FinishReason = failure is null ? reply.FinishReason ?? "stop" : "error",
            InputTokens = (int)usage.InputTokens,
            OutputTokens = (int)usage.OutputTokens,
            UsageSource = usage.Source == "provider" ? UsageSource.Provider : UsageSource.Estimated,
        };

        // Storing must not depend on the shutdown token: the point is to keep what was said.
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        db.Messages.Add(message);
        await db.SaveChangesAsync(CancellationToken.None);
        await db.Sessions.Where(s => s.Id == sessionId).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.InputTokens, x => x.InputTokens + message.InputTokens)
            .SetProperty(x => x.OutputTokens, x => x.OutputTokens + message.OutputTokens), CancellationToken.None);
        return message;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reply in session {SessionId} ended early: {Code} {Reason}")]
    static partial void LogReplyFailed(ILogger logger, Guid sessionId, string code, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The reply in session {SessionId} failed unexpectedly")]
    static partial void LogReplyFailedUnexpectedly(ILogger logger, Exception exception, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The reply in session {SessionId} could not be stored")]
    static partial void LogStoreFailed(ILogger logger, Exception exception, Guid sessionId);
}
