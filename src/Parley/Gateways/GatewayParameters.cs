using System.ComponentModel.DataAnnotations;
using Parley.Api;

namespace Parley.Gateways;

/// <summary>A gateway's model configuration, as sent over the API and (without the key) as stored.</summary>
public sealed record GatewayParameters : IValidatableObject
{
    public const string MessagePlaceholder = "{message}";

    [Required(ErrorMessage = "The baseAddress field is required."), HttpUrl, StringLength(2000)]
    public string BaseAddress { get; init; } = "";

    /// <summary>Write-only: requests set it, responses show it masked.</summary>
    [StringLength(4000)] public string? ApiKey { get; init; }

    [Required(ErrorMessage = "The modelName field is required."), StringLength(200, MinimumLength = 1)]
    public string ModelName { get; init; } = "";
    [Range(0.0, 2.0)] public float? Temperature { get; init; }
    [Range(0.0, 1.0)] public float? TopP { get; init; }
    [Range(-2.0, 2.0)] public float? PresencePenalty { get; init; }
    [Range(-2.0, 2.0)] public float? FrequencyPenalty { get; init; }
    [MaxLength(4)] public IReadOnlyList<string>? Stop { get; init; }
    [Range(1, 1_000_000)] public int? MaxCompletionTokens { get; init; }
    [StringLength(100_000)] public string? SystemInstruction { get; init; }

    /// <summary>Wraps every user message; <c>{message}</c> marks where the message goes.</summary>
    [StringLength(20_000)] public string? UserPromptTemplate { get; init; }

    /// <summary>Text the assistant's reply starts with; sent to the model as the start of its turn.</summary>
    [StringLength(20_000)] public string? AssistantPrefill { get; init; }

    /// <summary>The model takes images (OpenAI image_url parts); a message with an image for one that does not is refused before sending.</summary>
    public bool AcceptsImages { get; init; }

    /// <summary>The model that reads replies aloud through the provider's <c>/audio/speech</c>; none leaves it to the browser.</summary>
    [StringLength(200)] public string? SpeechModel { get; init; }

    /// <summary>The voice it reads with (<c>alloy</c> when left out).</summary>
    [StringLength(100)] public string? Voice { get; init; }

    /// <summary>The model that turns recorded speech into text through the provider's <c>/audio/transcriptions</c>.</summary>
    [StringLength(200)] public string? TranscriptionModel { get; init; }

    /// <summary>Web search as a tool of the model (see <see cref="Research.WebSearchSettings"/>); null: none.</summary>
    public Research.WebSearchSettings? WebSearch { get; init; }

    /// <summary>The model may fetch a web page and read its main text (never a private or local address unless allowed).</summary>
    public bool ReadPages { get; init; }

    [MaxLength(10)] public IReadOnlyList<Research.McpServerSettings>? McpServers { get; init; }

    /// <summary>Passed to providers that take it (OpenAI's reasoning models, and others alike).</summary>
    [RegularExpression("^(low|medium|high)$", ErrorMessage = "The reasoningEffort field must be \"low\", \"medium\" or \"high\".")]
    public string? ReasoningEffort { get; init; }

    /// <summary>How many rounds of tool calls a reply may take before it must answer; 5 when not set.</summary>
    [Range(1, 20)] public int? MaxToolRounds { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(UserPromptTemplate) && !UserPromptTemplate.Contains(MessagePlaceholder, StringComparison.Ordinal))
            yield return new ValidationResult($"The userPromptTemplate field must contain {MessagePlaceholder}.", [nameof(UserPromptTemplate)]);
        // A SearXNG instance is the operator's own; Brave and Tavily have one address everyone uses.
        if (WebSearch is { Provider: "searxng", BaseAddress: null or "" })
            yield return new ValidationResult("The webSearch.baseAddress field is required for SearXNG: the address of your instance.", [nameof(WebSearch)]);
    }

    /// <summary>The parameters as stored: the provider's and the web search's keys are kept apart, encrypted.</summary>
    public GatewayParameters WithoutKeys() => this with { ApiKey = null, WebSearch = WebSearch is null ? null : WebSearch with { ApiKey = null } };

    /// <summary>The parameters as shown: each key replaced by its hint.</summary>
    public GatewayParameters WithHints(string? apiKeyHint, string? searchKeyHint) =>
        this with { ApiKey = apiKeyHint, WebSearch = WebSearch is null ? null : WebSearch with { ApiKey = searchKeyHint } };

    public string ApplyTemplate(string message) =>
        string.IsNullOrEmpty(UserPromptTemplate) ? message : UserPromptTemplate.Replace(MessagePlaceholder, message, StringComparison.Ordinal);
}
