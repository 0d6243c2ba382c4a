using System.ComponentModel.DataAnnotations;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Parley.Api;
using Parley.Conversations;
using Parley.Data;

namespace Parley.Gateways;

/// <summary>A direct completion through a gateway, for operators to test it; nothing is stored.</summary>
public static class InferenceEndpoint
{
    public static async Task<Results<ServerSentEventsResult<object>, ProblemHttpResult>> Stream(
        Guid id, InferenceRequest request, AppDb db, ModelClients models, TokenCounter tokens, CancellationToken ct)
    {
        var gateway = await db.Gateways.AsNoTracking().SingleOrDefaultAsync(g => g.Id == id, ct);
        if (gateway is null) return ApiProblem.NotFound("The AI gateway");

        var history = new List<Microsoft.Extensions.AI.ChatMessage>();
        foreach (var (message, index) in request.Messages.Select((m, i) => (m, i)))
        {
            ChatRole? role = message.Role switch { "user" => ChatRole.User, "assistant" => ChatRole.Assistant, "system" => ChatRole.System, _ => null };
            if (role is null) return ApiProblem.Invalid($"messages[{index}].role", "The role field must be \"user\", \"assistant\" or \"system\".");
            history.Add(new Microsoft.Extensions.AI.ChatMessage(role.Value, message.Role == "user" ? gateway.Parameters.ApplyTemplate(message.Content) : message.Content));
        }

        var prompt = new List<Microsoft.Extensions.AI.ChatMessage>();
        if (gateway.Parameters.SystemInstruction is { Length: > 0 } system) prompt.Add(new(ChatRole.System, system));
        prompt.AddRange(history);
        return TypedResults.ServerSentEvents(Events(models.For(gateway), prompt, gateway.Parameters, tokens, ct));
    }

    static async IAsyncEnumerable<SseItem<object>> Events(
        IChatClient client, List<Microsoft.Extensions.AI.ChatMessage> prompt, GatewayParameters parameters, TokenCounter tokens,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var parts = ReplyParts.ReadAsync(client, prompt, ModelClients.ToChatOptions(parameters), ct).GetAsyncEnumerator(ct);
        var output = 0;
        UsageDetails? usage = null;
        string? finishReason = null;
        SseItem<object>? failure = null;
        try
        {
            while (true)
            {
                ReplyPart part;
                try
                {
                    if (!await parts.MoveNextAsync()) break;
                    part = parts.Current;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    var (code, message) = ProviderErrors.Describe(ex);
                    failure = ChatEvents.OfError(code, message, null);
                    break;
                }
                if (part.Reasoning is { } r) yield return ChatEvents.OfReasoning(r);
                if (part.Text is { } t)
                {
                    output += tokens.Estimate(parameters.ModelName, t);
                    yield return ChatEvents.OfDelta(t);
                }
                usage = part.Usage ?? usage;
                finishReason = part.FinishReason ?? finishReason;
            }
        }
        finally
        {
            await parts.DisposeAsync();
        }

        if (failure is { } error)
        {
            yield return error;
            yield break;
        }
        var reported = usage is { InputTokenCount: not null, OutputTokenCount: not null };
        yield return ChatEvents.OfDone(null, finishReason ?? "stop", reported
            ? new UsageView(usage!.InputTokenCount!.Value, usage.OutputTokenCount!.Value, "provider")
            : new UsageView(tokens.Estimate(parameters.ModelName, PromptBuilder.Text(prompt)), output, "estimated"));
    }
}

public sealed record InferenceRequest([property: Required, MinLength(1), MaxLength(500)] IReadOnlyList<InferenceMessage> Messages);

public sealed record InferenceMessage(
    [property: Required] string Role,
    [property: Required, StringLength(1_000_000)] string Content);
