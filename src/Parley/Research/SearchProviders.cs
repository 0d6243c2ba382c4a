using System.Text.Json;

namespace Parley.Research;

/// <summary>One search API: how to ask it and where its results are in the answer.</summary>
interface ISearchProvider
{
    string? DefaultAddress { get; }
    bool NeedsKey { get; }
    HttpRequestMessage Request(string baseAddress, string query, int count, string? apiKey);
    IEnumerable<SearchHit> Hits(JsonElement answer);
}

/// <summary>A SearXNG instance's JSON API (its <c>json</c> format must be enabled in its settings).</summary>
sealed class SearxngSearch : ISearchProvider
{
    public string? DefaultAddress => null;
    public bool NeedsKey => false;

    public HttpRequestMessage Request(string baseAddress, string query, int count, string? apiKey) =>
        new(HttpMethod.Get, $"{baseAddress}/search?q={Uri.EscapeDataString(query)}&format=json");

    public IEnumerable<SearchHit> Hits(JsonElement answer) => WebSearch.HitsOf(answer.GetProperty("results"), "content");
}

/// <summary>Brave Search's web search API, by subscription token.</summary>
sealed class BraveSearch : ISearchProvider
{
    public string? DefaultAddress => "https://api.search.brave.com";
    public bool NeedsKey => true;

    public HttpRequestMessage Request(string baseAddress, string query, int count, string? apiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"{baseAddress}/res/v1/web/search?q={Uri.EscapeDataString(query)}&count={count}");
        request.Headers.Add("X-Subscription-Token", apiKey);
        request.Headers.Accept.ParseAdd("application/json");
        return request;
    }

    public IEnumerable<SearchHit> Hits(JsonElement answer) =>
        answer.TryGetProperty("web", out var web) ? WebSearch.HitsOf(web.GetProperty("results"), "description") : [];
}

/// <summary>Tavily's search API, by bearer key.</summary>
sealed class TavilySearch : ISearchProvider
{
    public string? DefaultAddress => "https://api.tavily.com";
    public bool NeedsKey => true;

    public HttpRequestMessage Request(string baseAddress, string query, int count, string? apiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"{baseAddress}/search")
        {
            Content = JsonContent.Create(new { query, max_results = count }),
        };
        request.Headers.Authorization = new("Bearer", apiKey);
        return request;
    }

    public IEnumerable<SearchHit> Hits(JsonElement answer) => WebSearch.HitsOf(answer.GetProperty("results"), "content");
}
