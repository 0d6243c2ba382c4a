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
    public static async Task<Results<EventStreamResult, ProblemHttpResult>> Stream(
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
        return new EventStreamResult(Events(models.For(gateway), prompt, gateway.Parameters, tokens, ct));
    }

    static async IAsyncEnumerable<SseItem<object>> Events(
        IChatClient client, List<Microsoft.Extensions.AI.ChatMessage> prompt, GatewayParameters parameters, TokenCounter tokens,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var reply = new ReplyAccumulator();
        await using var parts = ReplyParts.ReadAsync(client, prompt, ModelClients.ToChatOptions(parameters), ct).GetAsyncEnumerator(ct);
        SseItem<object>? failure = null;
        while (failure is null)
        {
            SseItem<object>[] items = [];
            try
            {
                if (!await parts.MoveNextAsync()) break;
                items = [.. reply.Add(parts.Current)];
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                var (code, message) = ProviderErrors.Describe(ex);
                failure = ChatEvents.OfError(code, message, null);
            }
            foreach (var item in items) yield return item;
        }
        yield return failure ?? ChatEvents.OfDone(null, reply.FinishReason, reply.Usage(parameters.ModelName, prompt, tokens));
    }
}

public sealed record InferenceRequest([property: Required(ErrorMessage = "The messages field is required."), MinLength(1), MaxLength(500)] IReadOnlyList<InferenceMessage> Messages);

public sealed record InferenceMessage(
    [property: Required(ErrorMessage = "The role field is required.")] string Role,
    [property: Required(ErrorMessage = "The content field is required."), StringLength(1_000_000)] string Content);
