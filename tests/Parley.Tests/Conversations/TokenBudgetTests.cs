using System.Net;
using Parley.Tests.Hosting;
using System.Text.Json;
using Parley.Testing;

namespace Parley.Tests.Conversations;

/// <summary>
/// Daily token budgets per session, per tag and per client address: past one the next message is refused until
/// midnight UTC, in Parley's words or the operator's. Each reply of the test upstream costs 12 tokens (10 in, 2 out).
/// </summary>
public abstract class TokenBudgetTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static async Task<TestParley> StartAtOneInTheMorningAsync(DatabaseKind kind)
    {
        var parley = await TestParley.StartAsync(kind);
        // A test that ran across midnight would see its budget renew halfway.
        parley.Clock.SetUtcNow(parley.Clock.GetUtcNow().UtcDateTime.Date.AddDays(1).AddHours(1));
        return parley;
    }

    [Fact]
    public async Task A_session_past_its_daily_budget_is_refused_until_midnight_and_retrying_is_refused_too()
    {
        await using var parley = await StartAtOneInTheMorningAsync(kind);
        var session = await parley.CreateSessionAsync(
            await parley.CreateChatClientAsync(limitingParameters: new { dailyTokensPerSession = 20 }), new { expires = 172_800 });
        Assert.Equal(HttpStatusCode.OK, (await parley.SendAsync(session.AccessKey, "one", Ct)).Status);
        Assert.Equal(HttpStatusCode.OK, (await parley.SendAsync(session.AccessKey, "two", Ct)).Status);

        var spent = await parley.SendAsync(session.AccessKey, "three", Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, spent.Status);
        Assert.Equal("token_budget_spent", spent.ProblemCode);
        var problem = spent.Problem!.Value;
        Assert.Equal("session", problem.GetProperty("budget").GetString());
        Assert.Equal(20, problem.GetProperty("limit").GetInt32());
        var midnight = parley.Clock.GetUtcNow().UtcDateTime.Date.AddDays(1);
        Assert.Equal(midnight, problem.GetProperty("resetsAt").GetDateTime().ToUniversalTime());
        Assert.Equal("This conversation used the 20 tokens allowed for today. You can write again at 00:00 UTC.", problem.GetProperty("message").GetString());
        Assert.False(problem.TryGetProperty("operatorMessage", out _));
        using var retry = await parley.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/retry", null, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, retry.StatusCode);
        Assert.Equal(2, parley.Upstream.Requests.Count);

        parley.Clock.SetUtcNow(midnight.AddMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await parley.SendAsync(session.AccessKey, "three", Ct)).Status);
    }

    [Fact]
    public async Task A_tag_budget_counts_every_session_of_the_tag_and_the_operators_words_are_told()
    {
        await using var parley = await StartAtOneInTheMorningAsync(kind);
        var clientId = await parley.CreateChatClientAsync(limitingParameters: new
        {
            dailyTokensPerTag = 20,
            limitMessages = new { tokenBudgetSpent = "That is all for today. Our team answers at help@example.com." },
        });
        var first = await parley.CreateSessionAsync(clientId, new { tag = "user-7", expires = 600 });
        await parley.SendAsync(first.AccessKey, "one", Ct);
        await parley.SendAsync(first.AccessKey, "two", Ct);
        parley.Clock.Advance(TimeSpan.FromMinutes(11));   // the first session expired: the tag opens a second one
        var second = await parley.CreateSessionAsync(clientId, new { tag = "user-7" });
        var other = await parley.CreateSessionAsync(clientId, new { tag = "user-8" });

        var spent = await parley.SendAsync(second.AccessKey, "three", Ct);
        Assert.Equal("token_budget_spent", spent.ProblemCode);
        Assert.Equal("tag", spent.Problem!.Value.GetProperty("budget").GetString());
        Assert.Equal("That is all for today. Our team answers at help@example.com.", spent.Problem!.Value.GetProperty("operatorMessage").GetString());
        Assert.Equal("That is all for today. Our team answers at help@example.com.", spent.Problem!.Value.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.OK, (await parley.SendAsync(other.AccessKey, "hello", Ct)).Status);
    }

    [Fact]
    public async Task An_address_budget_counts_every_session_used_from_that_address_and_debug_mode_shows_what_is_left()
    {
        await using var parley = await StartAtOneInTheMorningAsync(kind);
        var clientId = await parley.CreateChatClientAsync(
            clientParameters: new { debug = true }, limitingParameters: new { dailyTokensPerAddress = 30, dailyTokensPerSession = 1000 });
        var first = await parley.CreateSessionAsync(clientId);
        var second = await parley.CreateSessionAsync(clientId);
        await parley.SendAsync(first.AccessKey, "one", Ct);
        await parley.SendAsync(second.AccessKey, "two", Ct);

        var budgets = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{second.AccessKey}", Ct))
            .GetProperty("data").GetProperty("budgets").EnumerateArray()
            .ToDictionary(b => b.GetProperty("budget").GetString()!, b => (Used: b.GetProperty("used").GetInt64(), Left: b.GetProperty("left").GetInt64()));
        Assert.Equal((12L, 988L), budgets["session"]);
        Assert.Equal((24L, 6L), budgets["address"]);

        await parley.SendAsync(first.AccessKey, "three", Ct);
        var spent = await parley.SendAsync(second.AccessKey, "four", Ct);
        Assert.Equal("token_budget_spent", spent.ProblemCode);
        Assert.Equal("address", spent.Problem!.Value.GetProperty("budget").GetString());
        Assert.Equal("You used the 30 tokens allowed for today. You can write again at 00:00 UTC.", spent.Problem!.Value.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Without_debug_mode_the_view_keeps_the_budgets_to_itself()
    {
        await using var parley = await StartAtOneInTheMorningAsync(kind);
        var session = await parley.CreateSessionAsync(await parley.CreateChatClientAsync(limitingParameters: new { dailyTokensPerSession = 100 }));
        var view = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct)).GetProperty("data");
        Assert.True(!view.TryGetProperty("budgets", out var budgets) || budgets.ValueKind == JsonValueKind.Null);
        Assert.Equal(100, view.GetProperty("limits").GetProperty("dailyTokensPerSession").GetInt32());
    }

    [Fact]
    public async Task Budgets_and_limit_messages_out_of_range_are_refused_with_their_field()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gatewayId = await parley.CreateGatewayAsync();
        using var zero = await parley.Admin.PostAsJsonAsync("/api/v1/web-chat-client",
            new { name = "x", aiGatewayId = gatewayId, limitingParameters = new { dailyTokensPerSession = 0 } }, Ct);
        await ApiAssert.InvalidAsync(zero, "limitingParameters.dailyTokensPerSession");
        using var tooLong = await parley.Admin.PostAsJsonAsync("/api/v1/web-chat-client",
            new { name = "x", aiGatewayId = gatewayId, limitingParameters = new { limitMessages = new { hourlyLimitReached = new string('x', 1001) } } }, Ct);
        await ApiAssert.InvalidAsync(tooLong, "limitingParameters.limitMessages.hourlyLimitReached");
    }
}

public sealed class TokenBudgetsOnSqlite() : TokenBudgetTests(DatabaseKind.Sqlite);

public sealed class TokenBudgetsOnPostgres() : TokenBudgetTests(DatabaseKind.Postgres);
