using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Parley.Research;

namespace Parley.Conversations;

/// <summary>Collects a streamed reply while turning each of its parts into the events a caller sees.</summary>
public sealed class ReplyAccumulator
{
    readonly StringBuilder text = new();
    readonly StringBuilder reasoning = new();
    // A reply with tools takes several rounds of the model, each with its usage: the rounds before the last are summed.
    UsageDetails? usage;
    (long Input, long Output) earlierRounds;
    readonly List<DataContent> images = [];
    readonly List<ToolUse> tools = [];
    readonly Dictionary<string, int> toolByCall = [];
    readonly List<Source> sources = [];
    const int ResultCharacters = 2_000;
    const int MostSources = 10;

    /// <summary>The tools the reply called and the pages they found; null when it called none.</summary>
    public ReplyResearch? Research => tools.Count == 0 ? null : new ReplyResearch([.. tools], [.. sources]);

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
        foreach (var tool in part.Tools ?? [])
        {
            if (!tool.Finished)
            {
                var name = tool.Name ?? "tool";
                var summary = ReplyTools.Running(name, tool.Arguments);
                toolByCall[tool.CallId] = tools.Count;
                tools.Add(new ToolUse(name, JsonSerializer.Serialize(tool.Arguments ?? new Dictionary<string, object?>(), JsonSerializerOptions.Web),
                    "running", summary, null));
                yield return ChatEvents.OfTool(name, "running", summary);
                continue;
            }
            if (!toolByCall.TryGetValue(tool.CallId, out var at)) continue;
            var used = tools[at];
            var status = tool.Failure is null ? "done" : "failed";
            var finished = ReplyTools.Finished(used.Name, tool.Result, tool.Failure);
            tools[at] = used with { Status = status, Summary = finished, Result = ResultText(tool.Result, tool.Failure) };
            foreach (var source in ReplyTools.SourcesOf(used.Name, tool.Result))
                if (sources.Count < MostSources && !sources.Exists(s => s.Url == source.Url)) sources.Add(source);
            // The round that asked for tools is over: its usage counts, and the next round reports its own.
            if (usage is not null) earlierRounds = (earlierRounds.Input + (usage.InputTokenCount ?? 0), earlierRounds.Output + (usage.OutputTokenCount ?? 0));
            usage = null;
            yield return ChatEvents.OfTool(used.Name, status, finished);
        }
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
            ? new UsageView(earlierRounds.Input + input, earlierRounds.Output + output, "provider")
            : new UsageView(earlierRounds.Input + tokens.Estimate(model, PromptBuilder.Text(prompt)), earlierRounds.Output + tokens.Estimate(model, Text), "estimated");

    static string? ResultText(object? result, Exception? failure)
    {
        if (failure is not null) return failure is ResearchToolException ? failure.Message : null;
        var text = result switch
        {
            null => null,
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } s => s.GetString(),
            _ => JsonSerializer.Serialize(result, JsonSerializerOptions.Web),
        };
        return text is { Length: > ResultCharacters } ? text[..ResultCharacters] + "…" : text;
    }
}
