using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Parley.Research;

/// <summary>
/// The <c>web_search</c> tool's work: asks the gateway's search provider and turns every failure into a
/// <see cref="ResearchToolException"/> that names no address and no key. The provider's address is the operator's
/// choice (a SearXNG beside Parley is the usual one), so it is not held to the page reader's address rules.
/// </summary>
public sealed partial class WebSearch(IHttpClientFactory clients, ILogger<WebSearch> logger)
{
    public const string HttpClientName = "Parley.Research.Search";
    public const int DefaultMaxResults = 5;
    const int MaxQueryLength = 400;

    public async Task<IReadOnlyList<SearchHit>> SearchAsync(WebSearchSettings settings, string? apiKey, string query, CancellationToken ct)
    {
        query = query.Trim();
        if (query.Length == 0) throw new ResearchToolException("The search query is empty.");
        if (query.Length > MaxQueryLength) query = query[..MaxQueryLength];

        ISearchProvider provider = settings.Provider switch
        {
            "brave" => new BraveSearch(),
            "tavily" => new TavilySearch(),
            _ => new SearxngSearch(),
        };
        if (provider.NeedsKey && string.IsNullOrEmpty(apiKey))
            throw new ResearchToolException("The web search is not set up: its provider needs an API key.");
        if (settings.BaseAddress is null && provider.DefaultAddress is null)
            throw new ResearchToolException("The web search is not set up: it has no address.");

        var baseAddress = (settings.BaseAddress ?? provider.DefaultAddress!).TrimEnd('/');
        using var request = provider.Request(baseAddress, query, settings.MaxResults ?? DefaultMaxResults, apiKey);
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                LogRefused(logger, settings.Provider, (int)response.StatusCode);
                throw new ResearchToolException(response.StatusCode switch
                {
                    HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => "The web search provider refused Parley's key.",
                    HttpStatusCode.TooManyRequests => "The web search is busy right now; try again later.",
                    _ => "The web search is not available right now.",
                });
            }
            using var answer = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
            return [.. provider.Hits(answer.RootElement).Take(settings.MaxResults ?? DefaultMaxResults)];
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            LogFailed(logger, settings.Provider, "timeout");
            throw new ResearchToolException("The web search took too long to answer.");
        }
        catch (HttpRequestException ex)
        {
            LogFailed(logger, settings.Provider, ex.HttpRequestError.ToString());
            throw new ResearchToolException("The web search is not available right now.");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            LogFailed(logger, settings.Provider, "unreadable answer");
            throw new ResearchToolException("The web search gave an answer Parley could not read.");
        }
    }

    /// <summary>A result list from a provider's JSON: each element's title, link and snippet, by the provider's names.</summary>
    internal static IEnumerable<SearchHit> HitsOf(JsonElement results, string snippet)
    {
        if (results.ValueKind != JsonValueKind.Array) yield break;
        foreach (var result in results.EnumerateArray())
        {
            var url = Text(result, "url");
            if (url.Length == 0) continue;
            var text = Text(result, snippet);
            yield return new SearchHit(Plain(Text(result, "title")), url, text.Length == 0 ? null : Plain(text));
        }
    }

    static string Text(JsonElement result, string name) =>
        result.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    // Brave marks the query's words in its snippets with <strong>; the model wants the words.
    static string Plain(string text) => WebUtility.HtmlDecode(Tags().Replace(text, "")).Trim();

    [GeneratedRegex("<[^>]{1,100}>")]
    private static partial Regex Tags();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The web search ({Provider}) answered {Status}.")]
    static partial void LogRefused(ILogger logger, string provider, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The web search ({Provider}) failed: {Reason}.")]
    static partial void LogFailed(ILogger logger, string provider, string reason);
}
