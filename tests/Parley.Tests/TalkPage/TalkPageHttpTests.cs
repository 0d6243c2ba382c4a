using System.Net;
using System.Text.RegularExpressions;
using Parley.Testing;

namespace Parley.Tests.TalkPage;

/// <summary>What the talk page's HTTP response promises; what people see is in the browser tests.</summary>
public sealed class TalkPageHttpTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Page_has_a_strict_policy_embeddable_anywhere_when_no_origins_are_listed()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var session = await parley.CreateSessionAsync();

        using var response = await parley.Anonymous.GetAsync(new Uri(session.TalkUrl), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", policy);
        Assert.Matches("script-src 'nonce-[^']+'(;|$)", policy);
        Assert.EndsWith("frame-ancestors *", policy);
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.False(response.Headers.Contains("X-Frame-Options"));
    }

    [Fact]
    public async Task Listed_frame_origins_become_frame_ancestors()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var client = await parley.CreateChatClientAsync(clientParameters: new
        {
            allowedFrameOrigins = new[] { "https://shop.example", "https://help.example:8443" },
        });
        var session = await parley.CreateSessionAsync(client);

        using var response = await parley.Anonymous.GetAsync(new Uri(session.TalkUrl), Ct);

        Assert.EndsWith("frame-ancestors https://shop.example https://help.example:8443",
            response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task Unknown_key_gets_a_404_page()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);

        using var response = await parley.Anonymous.GetAsync("/chat/wky_" + new string('x', 56), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("not valid", await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("en", "This conversation has ended")]
    [InlineData("pt-BR", "Esta conversa terminou")]
    public async Task Expired_session_gets_a_410_page_that_says_it_ended_and_shows_nothing_of_the_conversation(string language, string title)
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var client = await parley.CreateChatClientAsync(clientParameters: new { languageCode = language, pageTitle = "ACME help" });
        var session = await parley.CreateSessionAsync(client, new { expires = 600 });
        parley.Upstream.Enqueue(Parley.Testing.Upstream.ScriptedReply.Text("the secret answer"));
        await parley.SendAsync(session.AccessKey, "my private question", Ct);

        // The message renewed the session to 20 minutes from then.
        parley.Clock.Advance(TimeSpan.FromMinutes(21));
        using var response = await parley.Anonymous.GetAsync(new Uri(session.TalkUrl), Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"<h1>{title}</h1>", html);
        Assert.Contains($"lang=\"{language}\"", html);
        Assert.DoesNotContain("my private question", html);
        Assert.DoesNotContain("the secret answer", html);
        Assert.DoesNotContain("parley-config", html);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task The_aivax_talk_path_serves_the_same_page()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var client = await parley.CreateChatClientAsync(clientParameters: new { pageTitle = "ACME help" });
        var session = await parley.CreateSessionAsync(client);

        using var response = await parley.Anonymous.GetAsync($"/www/web-chat-clients/{session.AccessKey}", Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.EndsWith($"/chat/{session.AccessKey}", session.TalkUrl);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<title>ACME help</title>", html);
        Assert.Contains($"/api/v1/chat/{session.AccessKey}", html);
        using var unknown = await parley.Anonymous.GetAsync("/www/web-chat-clients/wky_" + new string('x', 56), Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Labels_from_the_chat_client_are_encoded_and_the_script_nonce_matches_the_policy()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var client = await parley.CreateChatClientAsync(clientParameters: new
        {
            pageTitle = "<script>alert(1)</script>",
            helloLabel = "\"><img src=x onerror=alert(1)>",
        });
        var session = await parley.CreateSessionAsync(client);

        using var response = await parley.Anonymous.GetAsync(new Uri(session.TalkUrl), Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.DoesNotContain("<script>alert(1)</script>", html);
        Assert.DoesNotContain("<img src=x", html);
        var nonce = Regex.Match(response.Headers.GetValues("Content-Security-Policy").Single(), "'nonce-([^']+)'").Groups[1].Value;
        Assert.All(Regex.Matches(html, "<script(?![^>]*application/json)[^>]*>").Select(m => m.Value),
            tag => Assert.Contains($"nonce=\"{nonce}\"", tag));
    }

    [Fact]
    public async Task Page_assets_are_versioned_cached_for_a_year_and_compressed()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var session = await parley.CreateSessionAsync();
        var html = await parley.Anonymous.GetStringAsync(new Uri(session.TalkUrl), Ct);
        var script = Regex.Match(html, "src=\"(/talk/talk\\.js\\?v=[0-9a-f]+)\"").Groups[1].Value;

        using var request = new HttpRequestMessage(HttpMethod.Get, script);
        request.Headers.AcceptEncoding.ParseAdd("br");
        using var response = await parley.Anonymous.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl?.ToString());
        Assert.Equal("br", response.Content.Headers.ContentEncoding.Single());
    }
}
