using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Parley.Testing;
using Parley.Tests.Hosting;

namespace Parley.Tests.Admin;

/// <summary>The per-minute limits at the entry points anyone can reach: each refusal is a 429 with Retry-After.</summary>
public sealed class RateLimitTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task One_session_past_its_limit_is_refused_while_another_session_goes_on()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite, "--Parley:RateLimits:SessionRequestsPerMinute=3");
        var busy = await parley.CreateSessionAsync();
        var other = await parley.CreateSessionAsync();

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await parley.Anonymous.GetAsync($"/api/v1/chat/{busy.AccessKey}", Ct);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
        using (var refused = await parley.Anonymous.GetAsync($"/api/v1/chat/{busy.AccessKey}", Ct))
            await AssertRateLimitedAsync(refused);
        using (var page = await parley.Anonymous.GetAsync($"/chat/{busy.AccessKey}", Ct))
            await AssertRateLimitedAsync(page);

        using var fine = await parley.Anonymous.GetAsync($"/api/v1/chat/{other.AccessKey}", Ct);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task One_address_past_its_limit_is_refused_on_every_session()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite, "--Parley:RateLimits:SessionRequestsPerMinutePerAddress=4");
        var sessions = new[] { await parley.CreateSessionAsync(), await parley.CreateSessionAsync() };

        for (var i = 0; i < 4; i++)
        {
            using var allowed = await parley.Anonymous.GetAsync($"/api/v1/chat/{sessions[i % 2].AccessKey}", Ct);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
        using (var refused = await parley.Anonymous.GetAsync($"/api/v1/chat/{sessions[0].AccessKey}", Ct))
            await AssertRateLimitedAsync(refused);

        // The admin API is not the sessions' entry point: it is not counted there.
        using var admin = await parley.Admin.GetAsync("/api/v1/web-chat-client", Ct);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_user_is_counted_by_their_own_address()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite,
            "--Parley:RateLimits:SessionRequestsPerMinutePerAddress=2", "--Parley:TrustedProxies:0=10.0.0.0/8");
        var session = await parley.CreateSessionAsync();

        async Task<HttpStatusCode> GetFromAsync(string address)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/chat/{session.AccessKey}");
            request.Headers.Add("X-Forwarded-For", address);
            using var response = await parley.Anonymous.SendAsync(request, Ct);
            return response.StatusCode;
        }

        // The test's requests come from loopback, trusted as a proxy once any proxy is named.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests],
            [await GetFromAsync("203.0.113.7"), await GetFromAsync("203.0.113.7"), await GetFromAsync("203.0.113.7")]);
        Assert.Equal(HttpStatusCode.OK, await GetFromAsync("198.51.100.23"));
    }

    [Fact]
    public async Task Session_creation_is_limited_per_admin_key()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite, "--Parley:RateLimits:SessionsPerMinute=2");
        var clientId = await parley.CreateChatClientAsync();

        await parley.CreateSessionAsync(clientId);
        await parley.CreateSessionAsync(clientId);
        using var refused = await parley.Admin.PostAsJsonAsync($"/api/v1/web-chat-client/{clientId}/sessions", new { }, Ct);

        await AssertRateLimitedAsync(refused);
        using var sessions = await parley.Admin.GetAsync($"/api/v1/web-chat-client/{clientId}/sessions", Ct);
        Assert.Equal(2, (await sessions.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("data").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task An_address_that_keeps_failing_to_authenticate_is_refused_even_with_the_right_key()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite, "--Parley:RateLimits:FailedAuthenticationsPerMinute=3");
        using var guesser = new HttpClient { BaseAddress = parley.BaseAddress };

        for (var i = 0; i < 3; i++)
        {
            using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/v1/web-chat-client");
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", $"pak_not-the-key-{i}");
            using var refused = await guesser.SendAsync(wrong, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var blocked = await parley.Admin.GetAsync("/api/v1/web-chat-client", Ct);
        await AssertRateLimitedAsync(blocked);
        Assert.InRange(int.Parse(blocked.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
    }

    static async Task AssertRateLimitedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 and <= 60 }, response.Headers.RetryAfter?.ToString());
        await ApiAssert.ProblemAsync(response, HttpStatusCode.TooManyRequests, "rate_limited");
    }
}
