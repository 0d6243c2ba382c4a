using System.Net;
using System.Text.Json;
using Parley.Tests.Hosting;
using Parley.Testing;

namespace Parley.Tests.Insight;

/// <summary>The conversation logs' exports, read back: the filters, the JSON lines, the CSV rows, who may download them.</summary>
public abstract class LogExportTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_filter_keeps_only_its_conversations_in_the_jsonl_export()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var (acme, billing, s) = await UsageApiTests.SeedAsync(parley);

        Assert.Equal([s[1]], await SessionsOfJsonLinesAsync(parley, "hasError=true"));
        Assert.Equal([s[1]], await SessionsOfJsonLinesAsync(parley, "incomplete=true"));
        Assert.Equal([s[0]], await SessionsOfJsonLinesAsync(parley, "negativeFeedback=true"));
        Assert.Equal([s[2]], await SessionsOfJsonLinesAsync(parley, "channel=console"));
        Assert.Equal([s[2]], await SessionsOfJsonLinesAsync(parley, "search=refund"));
        Assert.Equal(Sorted(s[2], s[3], s[4]), await SessionsOfJsonLinesAsync(parley, $"clientId={billing}"));
        Assert.Equal([s[1]], await SessionsOfJsonLinesAsync(parley, $"clientId={acme}&from=2026-03-02&to=2026-03-03"));
        Assert.Equal(Sorted(s[0], s[1], s[2]), await SessionsOfJsonLinesAsync(parley, "from=2026-03-01&to=2026-03-03"));
        Assert.Empty(await SessionsOfJsonLinesAsync(parley, "hasError=true&channel=web"));
    }

    [Fact]
    public async Task The_jsonl_export_carries_each_message_with_its_session_in_order()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var (acme, _, s) = await UsageApiTests.SeedAsync(parley);

        using var response = await parley.Admin.GetAsync("/api/v1/logs/export?format=jsonl&hasError=true", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/jsonl", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.EndsWith(".jsonl", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        var lines = await LinesAsync(response);
        Assert.Equal(3, lines.Count);
        Assert.All(lines, line =>
        {
            Assert.Equal(s[1], line.GetProperty("sessionId").GetGuid());
            Assert.Equal(acme, line.GetProperty("chatClientId").GetGuid());
            Assert.Equal("telegram", line.GetProperty("channel").GetString());
            Assert.Equal("user-2", line.GetProperty("tag").GetString());
        });
        var messages = lines.Select(l => l.GetProperty("message")).ToList();
        Assert.Equal(["Can I change my \"address\"?", "Yes, in your account.", "Let me che"], messages.Select(m => m.GetProperty("content").GetString()));
        Assert.Equal("incomplete", messages[2].GetProperty("status").GetString());
        Assert.Equal("provider_error", messages[2].GetProperty("errorCode").GetString());
        Assert.Equal(200, messages[1].GetProperty("usage").GetProperty("inputTokens").GetInt32());
    }

    [Fact]
    public async Task The_csv_export_has_one_row_per_session_with_its_figures()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var (acme, _, s) = await UsageApiTests.SeedAsync(parley);
        await InsightSeed.SessionAsync(parley, acme, UsageApiTests.Day(3, 5), "=cmd|' /C calc'!A0, \"quoted\"");

        using var response = await parley.Admin.GetAsync("/api/v1/logs/export?format=csv&channel=telegram", Ct);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var rows = (await response.Content.ReadAsStringAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(l => l.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();

        Assert.Equal("id,chatClientId,chatClient,tag,channel,createdAt,lastMessageAt,expiresAt,messages,inputTokens,outputTokens", rows[0]);
        Assert.Equal($"{s[1]},{acme},Acme Support,user-2,telegram,2026-03-02T10:00:00Z,2026-03-03T10:00:00Z,2026-03-03T10:00:00Z,3,210,50", rows[1]);
        Assert.Equal(2, rows.Count);

        using var injected = await parley.Admin.GetAsync($"/api/v1/logs/export?format=csv&clientId={acme}&from=2026-03-05", Ct);
        var text = await injected.Content.ReadAsStringAsync(Ct);
        Assert.Contains(",\"'=cmd|' /C calc'!A0, \"\"quoted\"\"\",web,", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("format=xml", "format")]
    [InlineData("channel=fax", "channel")]
    [InlineData("from=soon", "from")]
    [InlineData("from=2026-03-02&to=2026-03-01", "to")]
    [InlineData("clientId=abc", "clientId")]
    public async Task Bad_filters_get_400_naming_the_field(string query, string field)
    {
        await using var parley = await TestParley.StartAsync(kind);

        using var response = await parley.Admin.GetAsync($"/api/v1/logs/export?{query}", Ct);

        await ApiAssert.InvalidAsync(response, field);
    }

    [Fact]
    public async Task The_console_serves_the_export_to_signed_in_operators_only()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var (_, _, s) = await UsageApiTests.SeedAsync(parley);
        await parley.CreateOperatorAsync("agnes", "agent-password-1", "agent");
        using var anonymous = parley.Console();
        using (var refused = await anonymous.GetAsync("/console/logs/export?format=jsonl", Ct))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using (var apiWithoutKey = await parley.Anonymous.GetAsync("/api/v1/logs/export", Ct))
            Assert.Equal(HttpStatusCode.Unauthorized, apiWithoutKey.StatusCode);

        using var agent = parley.Console();
        await agent.SignInAsync("agnes", "agent-password-1", Ct);
        using var response = await agent.GetAsync("/console/logs/export?format=jsonl&negativeFeedback=true", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([s[0]], (await LinesAsync(response)).Select(l => l.GetProperty("sessionId").GetGuid()).Distinct());
        // The usage figures are for admins.
        using var usage = await agent.GetAsync("/console/usage/export", Ct);
        Assert.NotEqual(HttpStatusCode.OK, usage.StatusCode);
    }

    [Fact]
    public async Task The_api_document_describes_the_usage_and_export_routes()
    {
        await using var parley = await TestParley.StartAsync(kind);

        var document = await parley.Anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);

        var usage = document.GetProperty("paths").GetProperty("/api/v1/usage").GetProperty("get").GetProperty("responses");
        Assert.True(usage.TryGetProperty("200", out _) && usage.TryGetProperty("400", out _) && usage.TryGetProperty("401", out _), usage.ToString());
        var export = document.GetProperty("paths").GetProperty("/api/v1/logs/export").GetProperty("get").GetProperty("responses");
        Assert.True(export.GetProperty("200").GetProperty("content").TryGetProperty("application/jsonl", out _), export.ToString());
        Assert.True(export.GetProperty("200").GetProperty("content").TryGetProperty("text/csv", out _), export.ToString());
    }

    static Guid[] Sorted(params Guid[] ids) => [.. ids.Order()];

    static async Task<Guid[]> SessionsOfJsonLinesAsync(TestParley parley, string query)
    {
        using var response = await parley.Admin.GetAsync($"/api/v1/logs/export?format=jsonl&{query}", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await LinesAsync(response)).Select(l => l.GetProperty("sessionId").GetGuid()).Distinct().Order()];
    }

    static async Task<List<JsonElement>> LinesAsync(HttpResponseMessage response)
    {
        var lines = new List<JsonElement>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        while (await reader.ReadLineAsync(Ct) is { } line)
        {
            if (line.Length > 0) lines.Add(JsonDocument.Parse(line).RootElement.Clone());
        }
        return lines;
    }
}

public sealed class LogExportOnSqlite() : LogExportTests(DatabaseKind.Sqlite);

public sealed class LogExportOnPostgres() : LogExportTests(DatabaseKind.Postgres);
