using System.Net;
using System.Text.Json;
using Parley.Sessions;
using Parley.Tests.Hosting;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Tests.Insight;

/// <summary><c>GET /api/v1/usage</c>: the figures of seeded messages, each way of grouping them, and bad input.</summary>
public abstract class UsageApiTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static DateTime Day(int month, int day, int hour = 10) => new(2026, month, day, hour, 0, 0, DateTimeKind.Utc);

    /// <summary>Three sessions in the first days of March 2026, one before and one after, on two chat clients.</summary>
    internal static async Task<(Guid Acme, Guid Billing, Guid[] Sessions)> SeedAsync(TestParley parley)
    {
        var gateway = await parley.CreateGatewayAsync();
        var acme = await InsightSeed.ClientAsync(parley, "Acme Support", gateway);
        var billing = await InsightSeed.ClientAsync(parley, "Billing Bot", gateway);
        var first = await InsightSeed.SessionAsync(parley, acme, Day(3, 1), "user-1", SessionChannels.Web, "plan: gold",
            new(MessageRole.User, "Where is my parcel?", Day(3, 1)),
            new(MessageRole.Assistant, "It ships tomorrow.", Day(3, 1, 11), 100, 20, Feedback: "down", FeedbackComment: "Too vague"));
        var second = await InsightSeed.SessionAsync(parley, acme, Day(3, 2), "user-2", SessionChannels.Telegram, null,
            new(MessageRole.User, "Can I change my \"address\"?", Day(3, 2)),
            new(MessageRole.Assistant, "Yes, in your account.", Day(3, 2, 11), 200, 50),
            new(MessageRole.Assistant, "Let me che", Day(3, 3), 10, 0, MessageStatus.Incomplete, "provider_error"));
        var third = await InsightSeed.SessionAsync(parley, billing, Day(3, 2), "user-1", SessionChannels.Console, null,
            new(MessageRole.User, "I want a refund", Day(3, 2, 12)),
            new(MessageRole.Assistant, "Refunds take five days.", Day(3, 2, 13), 300, 30));
        var before = await InsightSeed.SessionAsync(parley, billing, Day(2, 27), null, SessionChannels.Web, null,
            new SeedMessage(MessageRole.Assistant, "old", Day(2, 27), 999, 999));
        var after = await InsightSeed.SessionAsync(parley, billing, Day(3, 4), null, SessionChannels.Web, null,
            new SeedMessage(MessageRole.Assistant, "new", Day(3, 4), 999, 999));
        return (acme, billing, new[] { first, second, third, before, after });
    }

    [Fact]
    public async Task Usage_by_day_adds_up_each_UTC_day_of_the_range_and_lists_quiet_days_with_zeros()
    {
        await using var parley = await TestParley.StartAsync(kind);
        await SeedAsync(parley);

        var report = await UsageAsync(parley, "from=2026-03-01&to=2026-03-03&groupBy=day");

        Assert.Equal("day", report.GetProperty("groupBy").GetString());
        Assert.Equal(Day(3, 1, 0), report.GetProperty("from").GetDateTime().ToUniversalTime());
        Assert.Equal(Day(3, 4, 0), report.GetProperty("to").GetDateTime().ToUniversalTime());
        Assert.Equal([("2026-03-01", 2L, 100L, 20L), ("2026-03-02", 4L, 500L, 80L), ("2026-03-03", 1L, 10L, 0L)], Groups(report));
        var totals = report.GetProperty("totals");
        Assert.Equal((7, 610, 100, 3), (totals.GetProperty("messages").GetInt64(), totals.GetProperty("inputTokens").GetInt64(),
            totals.GetProperty("outputTokens").GetInt64(), totals.GetProperty("sessions").GetInt64()));

        var quiet = await UsageAsync(parley, "from=2026-03-05T00:00:00Z&to=2026-03-06&groupBy=day");
        Assert.Equal([("2026-03-05", 0L, 0L, 0L), ("2026-03-06", 0L, 0L, 0L)], Groups(quiet));
    }

    [Fact]
    public async Task Usage_by_client_channel_and_tag_comes_most_tokens_first()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var (acme, billing, _) = await SeedAsync(parley);
        const string Range = "from=2026-03-01&to=2026-03-03";

        var byClient = await UsageAsync(parley, $"{Range}&groupBy=client");
        Assert.Equal([(acme.ToString(), 5L, 310L, 70L), (billing.ToString(), 2L, 300L, 30L)], Groups(byClient));
        Assert.Equal(["Acme Support", "Billing Bot"], byClient.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("label").GetString()));

        Assert.Equal([("console", 2L, 300L, 30L), ("telegram", 3L, 210L, 50L), ("web", 2L, 100L, 20L)],
            Groups(await UsageAsync(parley, $"{Range}&groupBy=channel")));
        Assert.Equal([("user-1", 4L, 400L, 50L), ("user-2", 3L, 210L, 50L)], Groups(await UsageAsync(parley, $"{Range}&groupBy=tag")));
    }

    [Fact]
    public async Task A_range_that_starts_or_ends_inside_a_day_adds_up_the_messages_of_those_hours()
    {
        await using var parley = await TestParley.StartAsync(kind);
        await SeedAsync(parley);

        var report = await UsageAsync(parley, "from=2026-03-02T11:30:00Z&to=2026-03-02T23:00:00Z&groupBy=channel");

        Assert.Equal([("console", 2L, 300L, 30L)], Groups(report));
        Assert.Equal([("2026-03-02", 2L, 300L, 30L)], Groups(await UsageAsync(parley, "from=2026-03-02T11:30:00Z&to=2026-03-02T23:00:00Z")));
        Assert.Equal(1, report.GetProperty("totals").GetProperty("sessions").GetInt64());
    }

    [Fact]
    public async Task The_daily_figures_follow_real_conversations_and_leave_with_a_deleted_session()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        await parley.SendAsync(session.AccessKey, "hello there", Ct);
        await parley.SendAsync(session.AccessKey, "and again, a little longer this time", Ct);
        // A reply that fails is kept as an incomplete message; answering again replaces it.
        parley.Upstream.DefaultReply = ScriptedReply.Error(500);
        var failed = await parley.SendAsync(session.AccessKey, "a third question", Ct);
        Assert.Equal("error", failed.Last.Type);
        parley.Upstream.DefaultReply = null;
        using (var retried = await parley.Anonymous.PostAsync($"/api/v1/chat/{session.AccessKey}/retry", null, Ct))
            await SseResponse.ReadAsync(retried, Ct);
        // The figures count the messages kept: the replaced reply's tokens leave them (the session's totals keep them).
        var kept = (await ApiAssert.DataAsync(await parley.Admin.GetAsync($"/api/v1/web-chat-client/{session.ClientId}/sessions/{session.SessionId}", Ct)))
            .GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("usage")).Where(u => u.ValueKind == JsonValueKind.Object).ToList();
        var today = parley.Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var byDays = await UsageAsync(parley, $"from={today}&to={today}");
        var byHours = await UsageAsync(parley, $"from={today}T00:00:01Z&to={today}T23:59:59Z");

        var expected = (6L, kept.Sum(u => u.GetProperty("inputTokens").GetInt64()), kept.Sum(u => u.GetProperty("outputTokens").GetInt64()));
        Assert.True(expected.Item2 > 0 && expected.Item3 > 0);
        Assert.Equal([(today, expected.Item1, expected.Item2, expected.Item3)], Groups(byDays));
        Assert.Equal(Groups(byDays), Groups(byHours));

        using (var deleted = await parley.Admin.DeleteAsync($"/api/v1/web-chat-client/{session.ClientId}/sessions/{session.SessionId}", Ct))
            deleted.EnsureSuccessStatusCode();
        Assert.Equal([(today, 0L, 0L, 0L)], Groups(await UsageAsync(parley, $"from={today}&to={today}")));
    }

    [Fact]
    public async Task Without_a_range_the_report_covers_the_last_30_days_by_day()
    {
        await using var parley = await TestParley.StartAsync(kind);

        var report = await UsageAsync(parley, "");

        Assert.Equal("day", report.GetProperty("groupBy").GetString());
        Assert.Equal(30, report.GetProperty("groups").GetArrayLength());
        Assert.Equal(parley.Clock.GetUtcNow().UtcDateTime.Date.AddDays(1), report.GetProperty("to").GetDateTime().ToUniversalTime());
    }

    [Theory]
    [InlineData("groupBy=week", "groupBy")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-01", "to")]
    [InlineData("from=2026-03-01&to=2026-02-01", "to")]
    [InlineData("from=2025-01-01&to=2026-03-01", "to")]
    public async Task Bad_input_gets_400_naming_the_field_and_the_rule(string query, string field)
    {
        await using var parley = await TestParley.StartAsync(kind);

        using var response = await parley.Admin.GetAsync($"/api/v1/usage?{query}", Ct);

        var problem = await ApiAssert.InvalidAsync(response, field);
        Assert.Contains(field, problem.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_needs_the_admin_key()
    {
        await using var parley = await TestParley.StartAsync(kind);

        using var response = await parley.Anonymous.GetAsync("/api/v1/usage", Ct);

        await ApiAssert.ProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
    }

    static async Task<JsonElement> UsageAsync(TestParley parley, string query) =>
        await ApiAssert.DataAsync(await parley.Admin.GetAsync($"/api/v1/usage?{query}", Ct));

    static List<(string?, long, long, long)> Groups(JsonElement report) =>
        [.. report.GetProperty("groups").EnumerateArray().Select(g => (g.GetProperty("key").GetString(), g.GetProperty("messages").GetInt64(),
            g.GetProperty("inputTokens").GetInt64(), g.GetProperty("outputTokens").GetInt64()))];
}

public sealed class UsageApiOnSqlite() : UsageApiTests(DatabaseKind.Sqlite);

public sealed class UsageApiOnPostgres() : UsageApiTests(DatabaseKind.Postgres);
