using System.Net;
using Parley.Testing;

namespace Parley.Tests.Hosting;

/// <summary>The headers every response carries, and the console's and the talk page's framing rules.</summary>
public sealed class SecurityHeadersTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_response_says_nosniff_and_a_referrer_policy_even_an_error()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var session = await parley.CreateSessionAsync();

        foreach (var (client, path, status) in new[]
        {
            (parley.Anonymous, "/healthz", HttpStatusCode.OK),
            (parley.Admin, "/api/v1/web-chat-client", HttpStatusCode.OK),
            (parley.Anonymous, "/api/v1/web-chat-client", HttpStatusCode.Unauthorized),
            (parley.Anonymous, "/api/v1/no-such-route", HttpStatusCode.NotFound),
            (parley.Anonymous, $"/api/v1/chat/{session.AccessKey}", HttpStatusCode.OK),
            (parley.Anonymous, "/talk/talk.js", HttpStatusCode.OK),
        })
        {
            using var response = await client.GetAsync(path, Ct);
            Assert.Equal((path, status), (path, response.StatusCode));
            Assert.Equal((path, "nosniff"), (path, ApiAssert.Header(response, "X-Content-Type-Options")));
            Assert.Equal((path, "strict-origin-when-cross-origin"), (path, ApiAssert.Header(response, "Referrer-Policy")));
            Assert.Null(ApiAssert.Header(response, "X-Frame-Options"));
        }
    }

    [Fact]
    public async Task The_console_is_never_framed_by_another_site_and_the_talk_page_keeps_its_own_rules()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var clientId = await parley.CreateChatClientAsync(clientParameters: new { allowedFrameOrigins = new[] { "https://shop.example" } });
        var session = await parley.CreateSessionAsync(clientId);

        using (var login = await parley.Anonymous.GetAsync("/console/login", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            Assert.Equal("SAMEORIGIN", ApiAssert.Header(login, "X-Frame-Options"));
            Assert.Contains("frame-ancestors 'self'", ApiAssert.Header(login, "Content-Security-Policy"), StringComparison.Ordinal);
            Assert.Equal("same-origin", ApiAssert.Header(login, "Cross-Origin-Opener-Policy"));
            Assert.Equal("nosniff", ApiAssert.Header(login, "X-Content-Type-Options"));
        }

        using var talk = await parley.Anonymous.GetAsync($"/chat/{session.AccessKey}", Ct);
        Assert.Equal(HttpStatusCode.OK, talk.StatusCode);
        Assert.Null(ApiAssert.Header(talk, "X-Frame-Options"));
        Assert.Contains("frame-ancestors https://shop.example", ApiAssert.Header(talk, "Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Equal("no-referrer", ApiAssert.Header(talk, "Referrer-Policy"));
        Assert.Equal("nosniff", ApiAssert.Header(talk, "X-Content-Type-Options"));
    }
}
