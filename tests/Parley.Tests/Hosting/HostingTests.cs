using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Parley.Testing;

namespace Parley.Tests.Hosting;

/// <summary>What the host serves besides the features: API description, docs, admin authentication, error shape.</summary>
public sealed class HostingTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenApi_document_lists_the_admin_routes()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);

        using var response = await parley.Anonymous.GetAsync("/openapi/v1.json", Ct);
        var document = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = document.GetProperty("paths").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateObject().Select(o => o.Name).ToHashSet());
        Assert.Superset(new HashSet<string> { "get", "post" }, paths["/api/v1/ai-gateways"]);
        Assert.Superset(new HashSet<string> { "get", "patch", "delete" }, paths["/api/v1/ai-gateways/{id}"]);
        Assert.Contains("post", paths["/api/v1/ai-gateways/{id}/inference"]);
        Assert.Superset(new HashSet<string> { "get", "post" }, paths["/api/v1/web-chat-client"]);
        Assert.Superset(new HashSet<string> { "get", "put", "delete" }, paths["/api/v1/web-chat-client/{id}"]);
        Assert.Superset(new HashSet<string> { "get", "post" }, paths["/api/v1/web-chat-client/{clientId}/sessions"]);
        Assert.Superset(new HashSet<string> { "get", "delete" }, paths["/api/v1/web-chat-client/{clientId}/sessions/{sessionId}"]);
        Assert.Contains("post", paths["/api/v1/chat/{accessKey}/speech"]);
        Assert.Contains("post", paths["/api/v1/chat/{accessKey}/transcriptions"]);
        Assert.Contains("post", paths["/v1/chat/completions"]);
        Assert.Contains("get", paths["/v1/models"]);
        Assert.Contains("get", paths["/v1/models/{id}"]);
    }

    [Fact]
    public async Task Docs_page_is_served_as_html()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);

        using var response = await parley.Anonymous.GetAsync("/docs", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html", await response.Content.ReadAsStringAsync(Ct), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("GET", "/api/v1/ai-gateways", HttpStatusCode.OK)]
    [InlineData("GET", "/api/v1/web-chat-client", HttpStatusCode.OK)]
    public async Task Only_the_configured_admin_key_opens_the_admin_api(string method, string path, HttpStatusCode whenAccepted)
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        using var other = new HttpClient { BaseAddress = parley.BaseAddress };
        other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "pak_some_other_key_0123456789");

        using var refused = await other.SendAsync(Request(method, path), Ct);
        using var accepted = await parley.Admin.SendAsync(Request(method, path), Ct);

        await ApiAssert.ProblemAsync(refused, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(whenAccepted, accepted.StatusCode);
    }

    [Fact]
    public async Task Talk_url_is_built_on_the_configured_public_url()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite, "--Parley:PublicUrl=https://chat.example.com/");

        var session = await parley.CreateSessionAsync();

        Assert.Equal($"https://chat.example.com/chat/{session.AccessKey}", session.TalkUrl);
    }

    [Fact]
    public async Task Unknown_address_gets_problem_details_with_message_data_and_code()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);

        using var response = await parley.Admin.GetAsync("/api/v1/nothing-here", Ct);

        await ApiAssert.ProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    static HttpRequestMessage Request(string method, string path) => new(new HttpMethod(method), path);
}
