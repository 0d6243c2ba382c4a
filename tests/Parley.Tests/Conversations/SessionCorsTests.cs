using System.Net;
using Parley.Testing;
using static Parley.Tests.Hosting.ApiAssert;

namespace Parley.Tests.Conversations;

/// <summary>Cross-origin calls to the session API: from anywhere, or from the chat client's allowed origins only.</summary>
public sealed class SessionCorsTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_client_with_allowed_origins_answers_those_origins_only_and_one_without_answers_any()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var limited = await parley.CreateSessionAsync(await parley.CreateChatClientAsync(clientParameters: new { allowedFrameOrigins = new[] { "https://shop.example" } }));
        var open = await parley.CreateSessionAsync();

        using (var preflight = await PreflightAsync(parley, limited.AccessKey, "https://shop.example"))
        {
            Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
            Assert.Equal("https://shop.example", Header(preflight, "Access-Control-Allow-Origin"));
            Assert.Contains("POST", Header(preflight, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
            Assert.Contains("Content-Type", Header(preflight, "Access-Control-Allow-Headers"), StringComparison.Ordinal);
        }
        using (var refused = await PreflightAsync(parley, limited.AccessKey, "https://evil.example"))
            Assert.Null(Header(refused, "Access-Control-Allow-Origin"));

        using (var read = await GetFromAsync(parley, limited.AccessKey, "https://shop.example"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal("https://shop.example", Header(read, "Access-Control-Allow-Origin"));
            Assert.Equal("Origin", Header(read, "Vary"));
        }
        using (var foreign = await GetFromAsync(parley, limited.AccessKey, "https://evil.example"))
            Assert.Null(Header(foreign, "Access-Control-Allow-Origin"));
        using (var anywhere = await GetFromAsync(parley, open.AccessKey, "https://any.example"))
            Assert.Equal("*", Header(anywhere, "Access-Control-Allow-Origin"));

        // Parley's own talk page calls the API from its own origin: nothing to add.
        using var own = await GetFromAsync(parley, limited.AccessKey, parley.BaseAddress.GetLeftPart(UriPartial.Authority));
        Assert.Null(Header(own, "Access-Control-Allow-Origin"));
    }

    static async Task<HttpResponseMessage> PreflightAsync(TestParley parley, string accessKey, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, $"/api/v1/chat/{accessKey}/messages");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type");
        return await parley.Anonymous.SendAsync(request, Ct);
    }

    static async Task<HttpResponseMessage> GetFromAsync(TestParley parley, string accessKey, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/chat/{accessKey}");
        request.Headers.Add("Origin", origin);
        return await parley.Anonymous.SendAsync(request, Ct);
    }
}
