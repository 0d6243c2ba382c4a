using System.Net.ServerSentEvents;
using System.Text;
using Microsoft.Extensions.AI;

namespace Parley.Conversations;

/// <summary>Collects a streamed reply while turning each of its parts into the events a caller sees.</summary>
public sealed class ReplyAccumulator
{
    readonly StringBuilder text = new();
    readonly StringBuilder reasoning = new();
    UsageDetails? usage;
    readonly List<DataContent> images = [];

    /// <summary>Image parts the model sent; Markdown images with data URLs are still in <see cref="Text"/>.</summary>
    public IReadOnlyList<DataContent> Images => images;

    public string Text => text.ToString();
    public string? Reasoning => reasoning.Length > 0 ? reasoning.ToString() : null;
    public string? FinishReason { get; private set; }

    /// <summary>Text the reply starts with before the model says anything (the gateway's assistant prefill).</summary>
    public SseItem<object> Begin(string prefill)
    {
        text.Append(prefill);
        return ChatEvents.OfDelta(prefill);
    }

    public IEnumerable<SseItem<object>> Add(ReplyPart part)
    {
        usage = part.Usage ?? usage;
        FinishReason = part.FinishReason ?? FinishReason;
        if (part.Images is { } sent) images.AddRange(sent);
        if (part.Reasoning is { } r)
        {
            reasoning.Append(r);
            yield return ChatEvents.OfReasoning(r);
        }
        if (part.Text is { } t)
        {
            text.Append(t);
            yield return ChatEvents.OfDelta(t);
        }
    }

    /// <summary>The provider's count when it reported one, else Parley's own count with the model's tokenizer.</summary>
    public UsageView Usage(string model, IEnumerable<Microsoft.Extensions.AI.ChatMessage> prompt, TokenCounter tokens) =>
        usage is { InputTokenCount: { } input, OutputTokenCount: { } output }
            ? new UsageView(input, output, "provider")
            : new UsageView(tokens.Estimate(model, PromptBuilder.Text(prompt)), tokens.Estimate(model, Text), "estimated");
}
