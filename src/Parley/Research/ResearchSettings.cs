using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.AI;
using Parley.Api;
using Parley.Gateways;

namespace Parley.Research;

/// <summary>
/// Web search for a gateway's model: SearXNG (self-hosted, the default; <c>baseAddress</c> is the instance), Brave
/// Search or Tavily (by <c>apiKey</c>, kept like the provider key: protected at rest, masked in answers).
/// </summary>
public sealed record WebSearchSettings
{
    [Required(ErrorMessage = "The provider field is required."),
        RegularExpression("^(searxng|brave|tavily)$", ErrorMessage = "The provider field must be \"searxng\", \"brave\" or \"tavily\".")]
    public string Provider { get; init; } = "searxng";

    [HttpUrl, StringLength(2000)] public string? BaseAddress { get; init; }

    /// <summary>Write-only: requests set it, responses show it masked.</summary>
    [StringLength(4000)] public string? ApiKey { get; init; }

    [Range(1, 20)] public int? MaxResults { get; init; }
}

/// <summary>An MCP server (streamable HTTP) whose tools the gateway's model may call; <c>headers</c> go with every request to it.</summary>
public sealed record McpServerSettings
{
    [Required(ErrorMessage = "The name field is required."), StringLength(100, MinimumLength = 1)]
    public string Name { get; init; } = "";

    [Required(ErrorMessage = "The url field is required."), HttpUrl, StringLength(2000)]
    public string Url { get; init; } = "";

    [MaxLength(20)] public IReadOnlyDictionary<string, string>? Headers { get; init; }
}

/// <summary>A page the reply used, as the user sees it cited: its title and link.</summary>
public sealed record Source(string Title, string Url);

/// <summary>One result of a web search, as the <c>web_search</c> tool returns it to the model.</summary>
public sealed record SearchHit(string Title, string Url, string? Snippet);

/// <summary>A page's main text, as the <c>read_page</c> tool returns it to the model.</summary>
public sealed record PageText(string Url, string Title, string Text);

/// <summary>
/// A tool's failure that the model (and the user, in the tool event's summary) may be told as it is: no secret, no
/// address of the operator's services in its message. Any other exception is reported as "the tool failed".
/// </summary>
public sealed class ResearchToolException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Tools a gateway's configuration gives its model for one reply (web search and page reading; MCP servers' tools).</summary>
public interface IResearchTools
{
    Task<IReadOnlyList<AITool>> ForAsync(AiGateway gateway, CancellationToken ct);
}
