using Microsoft.EntityFrameworkCore;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Parley.Gateways;
using Parley.Research;
using Parley.Testing;
using Parley.Testing.Research;
using Parley.Testing.Upstream;

namespace Parley.Tests.Research;

/// <summary>
/// A reply that looks things up: the model's tool calls run through the conversation core, the stream says what they
/// do, and the reply keeps its tools and sources. The tools here stand in for the gateway's (their own tests are
/// WebToolsTests and McpToolsTests), so what is checked is the conversation around them.
/// </summary>
public abstract class ResearchReplyTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A web search that answers from a list, or fails when told to; it records the queries it got.</summary>
    sealed class StandInSearch : IResearchTools
    {
        public List<string> Queries { get; } = [];
        public bool Fails { get; set; }

        public Task<IReadOnlyList<AITool>> ForAsync(AiGateway gateway, CancellationToken ct) => Task.FromResult<IReadOnlyList<AITool>>(
        [
            AIFunctionFactory.Create((string query) =>
            {
                Queries.Add(query);
                if (Fails) throw new ResearchToolException("The web search is not available right now.");
                return (IReadOnlyList<SearchHit>)
                [
                    new SearchHit("ACME opening hours", "https://acme.example/hours", "Open 9 to 18."),
                    new SearchHit("ACME stores", "https://acme.example/stores", null),
                ];
            }, "web_search", "Searches the web."),
        ]);
    }

    async Task<(TestParley Parley, CreatedSession Session, StandInSearch Search)> StartAsync(object? gateway = null, object? clientParameters = null)
    {
        var search = new StandInSearch();
        var parley = await TestParley.StartAsync(kind, services => services.TryAddEnumerable(ServiceDescriptor.Singleton<IResearchTools>(search)));
        var gatewayId = await parley.CreateGatewayAsync(gateway ?? new
        {
            baseAddress = parley.Upstream.BaseAddress, apiKey = "sk-upstream-secret-123456", modelName = "gpt-4o-mini",
        });
        return (parley, await parley.CreateSessionAsync(await parley.CreateChatClientAsync(gatewayId, clientParameters)), search);
    }

    [Fact]
    public async Task A_searched_answer_streams_what_it_does_and_ends_with_its_sources_kept_with_the_reply()
    {
        var (parley, session, search) = await StartAsync();
        await using var _ = parley;
        parley.Upstream.Enqueue(ScriptedReply.CallTools(new ScriptedToolCall("web_search", """{"query":"ACME opening hours"}""")));
        parley.Upstream.Enqueue(ScriptedReply.Text("ACME opens ", "at nine."));

        var reply = await parley.SendAsync(session.AccessKey, "When does ACME open?", Ct);

        Assert.Equal(["ACME opening hours"], search.Queries);
        var tools = reply.Events.Where(e => e.Type == "tool").Select(e => (e.Data.GetProperty("status").GetString(), e.Data.GetProperty("summary").GetString())).ToList();
        Assert.Equal([("running", "Searching the web for “ACME opening hours”"), ("done", "Found 2 results")], tools);
        Assert.Equal("ACME opens at nine.", reply.Text);
        var done = reply.Last;
        Assert.Equal("done", done.Type);
        Assert.Equal(["https://acme.example/hours", "https://acme.example/stores"],
            done.Data.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("url").GetString()));
        // Both rounds of the model count: 10 + 10 prompt tokens, 2 + 2 completion tokens.
        Assert.Equal(20, done.Data.GetProperty("usage").GetProperty("inputTokens").GetInt64());
        Assert.Equal(4, done.Data.GetProperty("usage").GetProperty("outputTokens").GetInt64());

        // The model got the results as the tool's answer.
        var second = parley.Upstream.Requests[^1].Body.GetProperty("messages").EnumerateArray().ToList();
        Assert.Contains(second, m => m.GetProperty("role").GetString() == "tool" && m.GetProperty("content").GetString()!.Contains("acme.example/hours", StringComparison.Ordinal));

        await parley.RestartAsync();
        var stored = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct)).GetProperty("data").GetProperty("messages")[1];
        Assert.Equal("ACME opens at nine.", stored.GetProperty("content").GetString());
        var tool = stored.GetProperty("tools")[0];
        Assert.Equal(("web_search", "done", "Found 2 results"), (tool.GetProperty("name").GetString(), tool.GetProperty("status").GetString(), tool.GetProperty("summary").GetString()));
        Assert.Contains("ACME opening hours", tool.GetProperty("arguments").GetString(), StringComparison.Ordinal);
        Assert.Equal("ACME opening hours", stored.GetProperty("sources")[0].GetProperty("title").GetString());
        var transcript = await parley.Anonymous.GetStringAsync($"/api/v1/chat/{session.AccessKey}/transcript?format=md", Ct);
        Assert.Contains("- Tool web_search (done): Found 2 results", transcript, StringComparison.Ordinal);
        Assert.Contains("- Source: [ACME opening hours](https://acme.example/hours)", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_tool_is_told_to_the_model_and_the_reply_still_comes()
    {
        var (parley, session, search) = await StartAsync();
        await using var _ = parley;
        search.Fails = true;
        parley.Upstream.Enqueue(ScriptedReply.CallTools(new ScriptedToolCall("web_search", """{"query":"weather"}""")));
        parley.Upstream.Enqueue(ScriptedReply.Text("I could not look it up."));

        var reply = await parley.SendAsync(session.AccessKey, "Weather?", Ct);

        Assert.Equal("done", reply.Last.Type);
        Assert.Equal("I could not look it up.", reply.Text);
        var failed = reply.Events.Last(e => e.Type == "tool").Data;
        Assert.Equal(("failed", "The web search is not available right now."), (failed.GetProperty("status").GetString(), failed.GetProperty("summary").GetString()));
        var toolMessage = parley.Upstream.Requests[^1].Body.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("role").GetString() == "tool");
        Assert.Contains("The web search is not available right now.", toolMessage.GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_mcp_servers_tool_answers_within_the_reply_and_is_kept_with_it()
    {
        await using var shop = await TestMcpServer.StartAsync("shop-token-5521");
        await using var parley = await TestParley.StartAsync(kind);
        var gatewayId = await parley.CreateGatewayAsync(new
        {
            baseAddress = parley.Upstream.BaseAddress, apiKey = "sk-upstream-secret-123456", modelName = "gpt-4o-mini",
            mcpServers = new[] { new { name = "shop", url = shop.Url, headers = new Dictionary<string, string> { ["Authorization"] = "Bearer shop-token-5521" } } },
        });
        var session = await parley.CreateSessionAsync(await parley.CreateChatClientAsync(gatewayId));
        parley.Upstream.Enqueue(ScriptedReply.CallTools(new ScriptedToolCall("shop_order_status", """{"orderId":"A-1001"}""")));
        parley.Upstream.Enqueue(ScriptedReply.Text("It arrives on Thursday."));

        var reply = await parley.SendAsync(session.AccessKey, "Where is order A-1001?", Ct);

        Assert.Equal("It arrives on Thursday.", reply.Text);
        Assert.Equal([new McpCall("order_status", "A-1001")], shop.Calls);
        Assert.Equal(["running", "done"], reply.Events.Where(e => e.Type == "tool").Select(e => e.Data.GetProperty("status").GetString()));
        Assert.Equal("Using shop_order_status", reply.Events.First(e => e.Type == "tool").Data.GetProperty("summary").GetString());
        // The model is offered the server's tool, and gets its answer.
        Assert.Contains("shop_order_status", parley.Upstream.Requests[0].Body.GetProperty("tools").GetRawText(), StringComparison.Ordinal);
        var toolMessage = parley.Upstream.Requests[^1].Body.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("role").GetString() == "tool");
        Assert.Contains("shipped on Monday", toolMessage.GetProperty("content").GetString(), StringComparison.Ordinal);
        var stored = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct)).GetProperty("data").GetProperty("messages")[1];
        Assert.Contains("shipped on Monday", stored.GetProperty("tools")[0].GetProperty("result").GetString(), StringComparison.Ordinal);

        // The server's token is kept encrypted: the stored parameters hold its ciphertext and hint only.
        await using var scope = parley.Services.CreateAsyncScope();
        var kept = (await scope.ServiceProvider.GetRequiredService<Parley.Data.AppDb>().Gateways.AsNoTracking().SingleAsync(g => g.Id == gatewayId, Ct))
            .Parameters.McpServers![0].Headers!["Authorization"];
        Assert.StartsWith("pk1:", kept, StringComparison.Ordinal);
        Assert.DoesNotContain("shop-token-5521", kept, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_round_limit_stops_the_tool_calls_and_the_reasoning_effort_reaches_the_provider()
    {
        var (parley, _, search) = await StartAsync();
        await using var _ = parley;
        var gatewayId = await parley.CreateGatewayAsync(new
        {
            baseAddress = parley.Upstream.BaseAddress, apiKey = "sk-upstream-secret-123456", modelName = "gpt-4o-mini", maxToolRounds = 2, reasoningEffort = "low",
        }, "Limited");
        var limited = await parley.CreateSessionAsync(await parley.CreateChatClientAsync(gatewayId));
        for (var i = 0; i < 4; i++) parley.Upstream.Enqueue(ScriptedReply.CallTools(new ScriptedToolCall("web_search", $$"""{"query":"round {{i}}"}""")));
        parley.Upstream.DefaultReply = ScriptedReply.Text("Enough searching.");

        var reply = await parley.SendAsync(limited.AccessKey, "Search forever", Ct);

        Assert.Equal("done", reply.Last.Type);
        Assert.True(search.Queries.Count <= 2, $"{search.Queries.Count} searches ran past a limit of 2 rounds.");
        Assert.Equal("low", parley.Upstream.Requests[0].Body.GetProperty("reasoning_effort").GetString());
    }
}

public sealed class ResearchReplyOnSqlite() : ResearchReplyTests(DatabaseKind.Sqlite);

public sealed class ResearchReplyOnPostgres() : ResearchReplyTests(DatabaseKind.Postgres);
