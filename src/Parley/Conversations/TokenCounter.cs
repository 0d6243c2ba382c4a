using System.Collections.Concurrent;
using Microsoft.ML.Tokenizers;

namespace Parley.Conversations;

/// <summary>Counts tokens with the model's own tokenizer when it is known (OpenAI model families).</summary>
public sealed class TokenCounter
{
    readonly ConcurrentDictionary<string, Tokenizer?> byModel = new(StringComparer.OrdinalIgnoreCase);
    readonly Lazy<Tokenizer> fallback = new(() => TiktokenTokenizer.CreateForModel("gpt-4o"));

    /// <summary>The model's tokenizer, or null when Parley cannot know how the model counts.</summary>
    public Tokenizer? ForModel(string model) => byModel.GetOrAdd(model, static name =>
    {
        // Routers name models "vendor/model" (openai/gpt-4o-mini); the tokenizer is the model's.
        var bare = name[(name.LastIndexOf('/') + 1)..];
        try
        {
            return TiktokenTokenizer.CreateForModel(bare);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    });

    public int? CountExact(string model, string text) => ForModel(model)?.CountTokens(text);

    /// <summary>The model's count when its tokenizer is known, else an estimate with a modern OpenAI tokenizer.</summary>
    public int Estimate(string model, string text) => (ForModel(model) ?? fallback.Value).CountTokens(text);
}
