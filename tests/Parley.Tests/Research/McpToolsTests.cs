using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Parley.Admin;
using Parley.Data;
using Parley.Gateways;
using Parley.Research;
using Parley.Testing;
using Parley.Testing.Research;

namespace Parley.Tests.Research;

/// <summary>The tools of a gateway's MCP servers: listed for the model, called with the server's headers, failing softly.</summary>
public abstract class McpToolsTests(DatabaseKind kind)
{
    const string Token = "mcp-shop-token-7f3a9c21e8";
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    Task<TestParley> StartParleyAsync(bool everyLogLine = false)
    {
        RunLog.NoteSecret(Token);
        // Every line of Parley, the MCP SDK and the HTTP clients, so a header value that went to a log would be seen.
        return everyLogLine
            ? TestParley.StartAsync(kind, "--Logging:LogLevel:Parley=Trace", "--Logging:LogLevel:System.Net.Http=Trace", "--Logging:LogLevel:ModelContextProtocol=Trace")
            : TestParley.StartAsync(kind);
    }

    static object Shop(string url, string? token = Token) =>
        new { name = "shop", url, headers = token is null ? null : new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" } };

    static Task<Guid> CreateGatewayAsync(TestParley parley, params object[] servers) => parley.CreateGatewayAsync(new
    {
        baseAddress = parley.Upstream.BaseAddress, apiKey = "sk-upstream-secret-123456", modelName = "gpt-4o-mini", mcpServers = servers,
    });

    /// <summary>The MCP tools of the gateway as the conversation side gets them: every research tool source, the gateway as cached.</summary>
    static async Task<List<AIFunction>> ToolsAsync(TestParley parley, Guid gatewayId)
    {
        await using var scope = parley.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        var gateway = await scope.ServiceProvider.GetRequiredService<GatewayCache>().GetAsync(gatewayId, db, Ct);
        var tools = new List<AIFunction>();
        foreach (var source in parley.Services.GetServices<IResearchTools>())
            tools.AddRange((await source.ForAsync(gateway!.Gateway, Ct)).OfType<McpToolFunction>());
        return tools;
    }

    static ValueTask<object?> CallAsync(AIFunction tool, object? arguments = null) =>
        tool.InvokeAsync(new AIFunctionArguments(JsonSerializer.SerializeToElement(arguments ?? new { }).EnumerateObject()
            .ToDictionary(p => p.Name, p => (object?)p.Value)), Ct);

    [Fact]
    public async Task A_servers_tools_are_offered_with_their_schema_and_answer_with_text_sent_with_its_headers()
    {
        await using var shop = await TestMcpServer.StartAsync(Token);
        await using var parley = await StartParleyAsync();
        var gateway = await CreateGatewayAsync(parley, Shop(shop.Url));

        var tools = await ToolsAsync(parley, gateway);

        Assert.Equal(["shop_always_fails", "shop_order_status"], tools.Select(t => t.Name).Order());
        var orderStatus = tools.Single(t => t.Name == "shop_order_status");
        Assert.Equal("The status of one order of the shop.", orderStatus.Description);
        var orderId = orderStatus.JsonSchema.GetProperty("properties").GetProperty("orderId");
        Assert.Equal("string", orderId.GetProperty("type").GetString());
        Assert.Equal("The order's number, such as A-1001.", orderId.GetProperty("description").GetString());
        Assert.Equal(["orderId"], orderStatus.JsonSchema.GetProperty("required").EnumerateArray().Select(r => r.GetString()));

        var answer = await CallAsync(orderStatus, new { orderId = "A-1001" });

        Assert.Equal("Order A-1001 shipped on Monday and arrives on Thursday.", answer);
        Assert.Equal([new McpCall("order_status", "A-1001")], shop.Calls);
        Assert.NotEmpty(shop.Authorizations);
        Assert.All(shop.Authorizations, a => Assert.Equal($"Bearer {Token}", a));

        // The next reply's tools come from the same session: no new connection, no second listing.
        var requestsBefore = shop.Authorizations.Count;
        Assert.Equal(2, (await ToolsAsync(parley, gateway)).Count);
        Assert.Equal(requestsBefore, shop.Authorizations.Count);
    }

    [Fact]
    public async Task A_tool_that_fails_is_an_error_the_model_may_read_never_a_crash()
    {
        await using var shop = await TestMcpServer.StartAsync(Token);
        await using var parley = await StartParleyAsync();
        var gateway = await CreateGatewayAsync(parley, Shop(shop.Url));
        var tools = await ToolsAsync(parley, gateway);

        var failed = await Assert.ThrowsAsync<ResearchToolException>(async () => await CallAsync(tools.Single(t => t.Name == "shop_always_fails")));

        Assert.StartsWith("The tool shop_always_fails of shop failed", failed.Message, StringComparison.Ordinal);
        Assert.Equal([new McpCall("always_fails", null)], shop.Calls);

        // A server that went away: the call fails the same way; once it is back, a new session answers.
        await shop.StopAsync();
        var gone = await Assert.ThrowsAsync<ResearchToolException>(async () => await CallAsync(tools.Single(t => t.Name == "shop_order_status"), new { orderId = "A-1" }));
        Assert.Equal("The tool shop_order_status of shop failed.", gone.Message);
        await shop.RestartAsync();
        Assert.Equal("Order A-2 shipped on Monday and arrives on Thursday.", await CallAsync(tools.Single(t => t.Name == "shop_order_status"), new { orderId = "A-2" }));
    }

    [Fact]
    public async Task A_restarted_server_is_reached_through_a_new_session()
    {
        await using var shop = await TestMcpServer.StartAsync(Token);
        await using var parley = await StartParleyAsync();
        var gateway = await CreateGatewayAsync(parley, Shop(shop.Url));
        var orderStatus = (await ToolsAsync(parley, gateway)).Single(t => t.Name == "shop_order_status");
        await CallAsync(orderStatus, new { orderId = "A-1" });

        await shop.RestartAsync();

        // The old session is unknown to the new process: that call may fail, and the next one opens a new session.
        try
        {
            await CallAsync(orderStatus, new { orderId = "A-2" });
        }
        catch (ResearchToolException)
        {
        }
        Assert.Equal("Order A-3 shipped on Monday and arrives on Thursday.", await CallAsync(orderStatus, new { orderId = "A-3" }));
        Assert.Equal(2, (await ToolsAsync(parley, gateway)).Count);
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_is_left_out_with_one_warning_and_the_others_tools_still_come()
    {
        await using var shop = await TestMcpServer.StartAsync(Token);
        await using var locked = await TestMcpServer.StartAsync("another-token-5b1e");
        await using var parley = await StartParleyAsync();
        var gateway = await CreateGatewayAsync(parley,
            new { name = "down", url = $"http://127.0.0.1:{ClosedPort()}/mcp", headers = new { Authorization = $"Bearer {Token}" } },
            new { name = "locked", url = locked.Url },
            Shop(shop.Url));

        var tools = await ToolsAsync(parley, gateway);

        Assert.Equal(["shop_always_fails", "shop_order_status"], tools.Select(t => t.Name).Order());
        var warnings = parley.Logs.GetSnapshot().Where(r => r.Category == typeof(McpTools).FullName && r.Level == LogLevel.Warning).Select(r => r.Message).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.DoesNotContain(parley.Logs.GetSnapshot(), r => r.Level > LogLevel.Warning);
        Assert.Single(warnings, w => w.StartsWith("The MCP server down could not be reached", StringComparison.Ordinal));
        Assert.Single(warnings, w => w.StartsWith("The MCP server locked could not be reached", StringComparison.Ordinal) && w.Contains("401", StringComparison.Ordinal));

        // Not tried again at once: the next reply does not wait for it, nor warn again.
        await ToolsAsync(parley, gateway);
        Assert.Equal(2, parley.Logs.GetSnapshot().Count(r => r.Category == typeof(McpTools).FullName && r.Level == LogLevel.Warning));
    }

    [Fact]
    public async Task Header_values_are_masked_in_answers_kept_when_sent_back_masked_and_never_logged()
    {
        await using var shop = await TestMcpServer.StartAsync(Token);
        await using var parley = await StartParleyAsync(everyLogLine: true);
        var gateway = await CreateGatewayAsync(parley, Shop(shop.Url));
        await CallAsync((await ToolsAsync(parley, gateway)).Single(t => t.Name == "shop_order_status"), new { orderId = "A-1" });

        var read = await parley.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/ai-gateways/{gateway}", Ct);
        var servers = read.GetProperty("data").GetProperty("parameters").GetProperty("mcpServers");
        var shown = servers[0].GetProperty("headers").GetProperty("Authorization").GetString();
        Assert.Equal(Secrets.Mask($"Bearer {Token}"), shown);
        Assert.DoesNotContain(Token, read.GetRawText(), StringComparison.Ordinal);

        // Sent back as read (a client saving the whole gateway) with a second server: the stored token stays.
        await using var other = await TestMcpServer.StartAsync();
        using var patched = await parley.Admin.PatchAsJsonAsync($"/api/v1/ai-gateways/{gateway}", new
        {
            parameters = new { mcpServers = new object[] { servers[0], new { name = "other shop", url = other.Url } } },
        }, Ct);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.DoesNotContain(Token, await patched.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        var tools = await ToolsAsync(parley, gateway);
        Assert.Equal(["other_shop_always_fails", "other_shop_order_status", "shop_always_fails", "shop_order_status"], tools.Select(t => t.Name).Order());
        Assert.Equal("Order A-2 shipped on Monday and arrives on Thursday.", await CallAsync(tools.Single(t => t.Name == "shop_order_status"), new { orderId = "A-2" }));
        Assert.All(shop.Authorizations, a => Assert.Equal($"Bearer {Token}", a));

        Assert.DoesNotContain(parley.Logs.GetSnapshot(), r => r.Message.Contains(Token, StringComparison.Ordinal)
            || r.StructuredState?.Any(s => s.Value?.Contains(Token, StringComparison.Ordinal) is true) is true);
    }

    [Fact]
    public void Tool_names_carry_their_servers_name_and_stay_unique_and_valid()
    {
        var names = McpTools.UniqueNames([
            ("shop", ["order_status", "search"]),
            ("Shop", ["order_status"]),
            ("Ünïcode server!", ["look up"]),
            (new string('s', 40), [new string('t', 80), new string('t', 80)]),
            ("web", ["search"]),
        ]);

        Assert.Equal(["shop_order_status", "shop_search"], names[0]);
        Assert.Equal(["Shop_order_status_2"], names[1]);
        Assert.Equal(["n_code_server_look_up"], names[2]);
        Assert.Equal(["web_search_2"], names[4]);
        Assert.All(names.SelectMany(n => n), n => Assert.Matches("^[a-zA-Z0-9_-]{1,64}$", n));
        Assert.Equal(names.SelectMany(n => n).Count(), names.SelectMany(n => n).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

public sealed class McpToolsOnSqlite() : McpToolsTests(DatabaseKind.Sqlite);

public sealed class McpToolsOnPostgres() : McpToolsTests(DatabaseKind.Postgres);
