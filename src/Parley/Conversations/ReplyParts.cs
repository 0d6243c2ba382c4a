using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using Parley.Gateways;

namespace Parley.Conversations;

/// <summary>
/// One piece of a streamed reply, reduced to what Parley shows and stores; <c>Images</c>: image parts the model sent;
/// <c>Tools</c>: tool calls it asked for and their results.
/// </summary>
public readonly record struct ReplyPart(
    string? Text, string? Reasoning, UsageDetails? Usage, string? FinishReason, IReadOnlyList<DataContent>? Images = null,
    IReadOnlyList<ToolActivity>? Tools = null);

/// <summary>A tool call starting (with its name and arguments) or finished (with its result, or what failed), by call id.</summary>
public sealed record ToolActivity(string CallId, string? Name, IDictionary<string, object?>? Arguments, bool Finished, object? Result, Exception? Failure);

public static class ReplyParts
{
    /// <summary>
    /// Reads a provider stream as text, reasoning, usage and finish reason. A reply is whole once the provider gave its
    /// finish reason or ended its stream with [DONE]; a stream cut off between the two lost nothing of the reply.
    /// A plain reply from a gateway's own client is read straight from the provider's stream (<see cref="ChatCompletionChunks"/>).
    /// </summary>
    public static IAsyncEnumerable<ReplyPart> ReadAsync(
        IChatClient client, IEnumerable<Microsoft.Extensions.AI.ChatMessage> prompt, ChatOptions options, CancellationToken ct) =>
        client is StreamTimeoutChatClient gatewayClient && ChatCompletionChunks.Serves(prompt, options)
            ? gatewayClient.ReadPlainReplyAsync(prompt, options, ct)
            : ReadUpdatesAsync(client, prompt, options, ct);

    static async IAsyncEnumerable<ReplyPart> ReadUpdatesAsync(
        IChatClient client, IEnumerable<Microsoft.Extensions.AI.ChatMessage> prompt, ChatOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var updates = client.GetStreamingResponseAsync(prompt, options, ct).GetAsyncEnumerator(ct);
        var finished = false;
        while (true)
        {
            try
            {
                if (!await updates.MoveNextAsync()) break;
            }
            catch (ProviderStreamCutOffException) when (finished)
            {
                break;
            }
            var update = updates.Current;
            finished |= update.FinishReason is not null;
            string? text = null, reasoning = null;
            UsageDetails? usage = null;
            List<DataContent>? images = null;
            List<ToolActivity>? tools = null;
            foreach (var content in update.Contents)
            {
                switch (content)
                {
                    case TextContent { Text.Length: > 0 } t: text += t.Text; break;
                    case TextReasoningContent { Text.Length: > 0 } r: reasoning += r.Text; break;
                    case UsageContent u: usage = u.Details; break;
                    case DataContent d when d.HasTopLevelMediaType("image"): (images ??= []).Add(d); break;
                    case FunctionCallContent call: (tools ??= []).Add(new ToolActivity(call.CallId, call.Name, call.Arguments, false, null, null)); break;
                    case FunctionResultContent done: (tools ??= []).Add(new ToolActivity(done.CallId, null, null, true, done.Result, done.Exception)); break;
                }
            }
            reasoning ??= ReasoningOutsideTheStandard(update);
            if (text is not null || reasoning is not null || usage is not null || update.FinishReason is not null || images is not null || tools is not null)
                yield return new ReplyPart(text, reasoning, usage, update.FinishReason?.Value, images, tools);
        }
    }

    /// <summary>
    /// DeepSeek, vLLM, Ollama and OpenRouter stream reasoning as <c>delta.reasoning_content</c> or <c>delta.reasoning</c>,
    /// fields outside OpenAI's schema that the SDK keeps only as raw JSON.
    /// </summary>
    static string? ReasoningOutsideTheStandard(ChatResponseUpdate update)
    {
        if (update.RawRepresentation is not StreamingChatCompletionUpdate raw) return null;
        // Patch is the SDK's (experimental) door to fields outside its schema; there is no other way to read them.
#pragma warning disable SCME0001
        foreach (var path in ReasoningPaths)
        {
            if (raw.Patch.Contains(path) && raw.Patch.GetString(path) is { Length: > 0 } value) return value;
        }
#pragma warning restore SCME0001
        return null;
    }

    static readonly byte[][] ReasoningPaths =
    [
        "$.choices[0].delta.reasoning_content"u8.ToArray(),
        "$.choices[0].delta.reasoning"u8.ToArray(),
    ];
}
