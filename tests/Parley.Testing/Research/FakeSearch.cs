using System.Net;
using System.Text.Json;

namespace Parley.Testing.Research;

/// <summary>One request <see cref="FakeSearch"/> received, with the headers a provider's key travels in.</summary>
public sealed record SearchRequest(string Method, string Path, IReadOnlyDictionary<string, string> Query, string? Authorization, string? SubscriptionToken, JsonElement Body);

/// <summary>A result the fake search answers with, in whichever provider's shape was asked.</summary>
public sealed record FakeResult(string Title, string Url, string Snippet);

/// <summary>
/// A local web search API on a random loopback port that answers like SearXNG (<c>GET /search?format=json</c>),
/// Brave Search (<c>GET /res/v1/web/search</c>) and Tavily (<c>POST /search</c>), records every request, and fails or
/// stalls on demand.
/// </summary>
public sealed class FakeSearch : IAsyncDisposable
{
    readonly WebApplication app;
    readonly List<SearchRequest> requests = [];

    FakeSearch()
    {
        var builder = WebApplication.CreateEmptyBuilder(new());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        app = builder.Build();
        app.Use(RecordAsync);
        app.MapGet("/search", () => Answer(new { query = "", results = Results.Select(r => new { title = r.Title, url = r.Url, content = r.Snippet, engine = "fake" }) }));
        app.MapGet("/res/v1/web/search", () => Answer(new
        {
            type = "search",
            web = new { type = "search", results = Results.Select(r => new { title = r.Title, url = r.Url, description = $"<strong>{r.Snippet}</strong>" }) },
        }));
        app.MapPost("/search", () => Answer(new { query = "", results = Results.Select(r => new { title = r.Title, url = r.Url, content = r.Snippet, score = 0.9 }) }));
    }

    public string BaseAddress { get; private set; } = "";

    public List<FakeResult> Results { get; set; } =
    [
        new("Parley 2.0 released", "https://example.org/news/parley-2", "Parley 2.0 came out on Monday with web search."),
        new("Parley on GitHub", "https://example.org/parley", "Source code & issues."),
        new("Chat servers compared", "https://example.org/compare", "A look at self-hosted chat servers."),
    ];

    /// <summary>Answer every request with this status (and an error body) instead of results.</summary>
    public HttpStatusCode? FailWith { get; set; }

    /// <summary>Wait this long before answering.</summary>
    public TimeSpan Delay { get; set; }

    public IReadOnlyList<SearchRequest> Requests
    {
        get { lock (requests) return [.. requests]; }
    }

    public static async Task<FakeSearch> StartAsync()
    {
        var search = new FakeSearch();
        await search.app.StartAsync();
        search.BaseAddress = search.app.Urls.Single();
        return search;
    }

    async Task<IResult> Answer(object body)
    {
        await Task.Delay(Delay);
        return FailWith is { } status
            ? TypedResults.Json(new { error = "fake failure" }, statusCode: (int)status)
            : TypedResults.Json(body);
    }

    async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        var body = default(JsonElement);
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body, cancellationToken: context.RequestAborted);
        var headers = context.Request.Headers;
        lock (requests)
            requests.Add(new SearchRequest(context.Request.Method, context.Request.Path.Value ?? "",
                context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()),
                headers.Authorization.Count > 0 ? headers.Authorization.ToString() : null,
                headers.TryGetValue("X-Subscription-Token", out var token) ? token.ToString() : null,
                body));
        await next(context);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
