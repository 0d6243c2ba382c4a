using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Research;
using Parley.Testing;
using Parley.Testing.Research;

namespace Parley.Tests.Research;

/// <summary>A gateway's web search key is kept like its provider key: encrypted, masked when shown, kept when left out, never logged.</summary>
public abstract class WebSearchKeyTests(DatabaseKind kind)
{
    const string Key = "BSA-search-secret-0123456789";
    const string NewKey = "BSA-search-secret-9876543210";
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_key_is_masked_when_shown_kept_when_left_out_or_sent_back_masked_changed_or_removed_on_request_and_never_logged()
    {
        RunLog.NoteSecret(Key);
        RunLog.NoteSecret(NewKey);
        // Everything Parley and its HTTP clients log, so a key in any line is found.
        await using var parley = await TestParley.StartAsync(kind,
            "--Logging:LogLevel:Parley=Debug", "--Logging:LogLevel:System.Net.Http=Debug", "--Logging:LogLevel:Microsoft.Extensions.Http=Debug");
        await using var search = await FakeSearch.StartAsync();
        var id = await parley.CreateGatewayAsync(new
        {
            baseAddress = parley.Upstream.BaseAddress, apiKey = "sk-upstream-secret-123456", modelName = "gpt-4o-mini",
            webSearch = new { provider = "brave", baseAddress = search.BaseAddress, apiKey = Key },
        });
        var path = $"/api/v1/ai-gateways/{id}";

        var shown = await WebSearchAsync(parley, path);
        Assert.Equal("BSA…6789", shown.GetProperty("apiKey").GetString());
        var listed = await parley.Admin.GetStringAsync("/api/v1/ai-gateways", Ct);
        Assert.DoesNotContain(Key, listed, StringComparison.Ordinal);
        await using (var scope = parley.Services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<AppDb>().Gateways.AsNoTracking().SingleAsync(g => g.Id == id, Ct);
            Assert.Null(stored.Parameters.WebSearch!.ApiKey);
            Assert.DoesNotContain(Key, stored.ProtectedSearchKey, StringComparison.Ordinal);
        }

        // A patch that leaves the key out keeps it, after a restart too.
        await PatchAsync(parley, path, new { parameters = new { webSearch = new { maxResults = 2 } } });
        await parley.RestartAsync();
        Assert.Equal("BSA…6789", (await WebSearchAsync(parley, path)).GetProperty("apiKey").GetString());
        Assert.Equal(2, (await (await GatewayTools.ForAsync(parley, id, Ct)).SearchAsync("kept", Ct)).Count);
        Assert.Equal(Key, search.Requests[^1].SubscriptionToken);

        // Sending back what was read (the hint in place of the key) keeps the key too.
        await PatchAsync(parley, path, new { parameters = new { webSearch = await WebSearchAsync(parley, path) } });
        await (await GatewayTools.ForAsync(parley, id, Ct)).SearchAsync("sent back", Ct);
        Assert.Equal(Key, search.Requests[^1].SubscriptionToken);

        // A refused key is logged as a refusal, without the key.
        search.FailWith = HttpStatusCode.Unauthorized;
        await Assert.ThrowsAsync<ResearchToolException>(async () => await (await GatewayTools.ForAsync(parley, id, Ct)).SearchAsync("refused", Ct));
        search.FailWith = null;

        await PatchAsync(parley, path, new { parameters = new { webSearch = new { apiKey = NewKey } } });
        Assert.Equal("BSA…3210", (await WebSearchAsync(parley, path)).GetProperty("apiKey").GetString());
        await (await GatewayTools.ForAsync(parley, id, Ct)).SearchAsync("changed", Ct);
        Assert.Equal(NewKey, search.Requests[^1].SubscriptionToken);

        await PatchAsync(parley, path, new { parameters = new { webSearch = new Dictionary<string, object?> { ["apiKey"] = null } } });
        Assert.Equal(JsonValueKind.Null, (await WebSearchAsync(parley, path)).GetProperty("apiKey").ValueKind);
        var unset = await Assert.ThrowsAsync<ResearchToolException>(async () => await (await GatewayTools.ForAsync(parley, id, Ct)).SearchAsync("removed", Ct));
        Assert.Equal("The web search is not set up: its provider needs an API key.", unset.Message);

        var logs = parley.Logs.GetSnapshot();
        Assert.Contains(logs, r => r.Message.Contains("answered 401", StringComparison.Ordinal));
        var logged = string.Join('\n', logs.Select(r => $"{r.Message} {r.Exception} {string.Join(' ', r.StructuredState?.Select(p => p.Value) ?? [])}"));
        Assert.DoesNotContain(Key, logged, StringComparison.Ordinal);
        Assert.DoesNotContain(NewKey, logged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearXNG_needs_the_address_of_an_instance()
    {
        await using var parley = await TestParley.StartAsync(kind);
        using var response = await parley.Admin.PostAsJsonAsync("/api/v1/ai-gateways", new
        {
            name = "No instance",
            parameters = new { baseAddress = parley.Upstream.BaseAddress, modelName = "gpt-4o-mini", webSearch = new { provider = "searxng" } },
        }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("webSearch.baseAddress", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    static async Task<JsonElement> WebSearchAsync(TestParley parley, string path) =>
        (await parley.Admin.GetFromJsonAsync<JsonElement>(path, Ct)).GetProperty("data").GetProperty("parameters").GetProperty("webSearch");

    static async Task PatchAsync(TestParley parley, string path, object patch)
    {
        using var response = await parley.Admin.PatchAsJsonAsync(path, patch, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
    }
}

public sealed class WebSearchKeyOnSqlite() : WebSearchKeyTests(DatabaseKind.Sqlite);

public sealed class WebSearchKeyOnPostgres() : WebSearchKeyTests(DatabaseKind.Postgres);
