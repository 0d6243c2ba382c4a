using System.ComponentModel;
using System.Net;
using ModelContextProtocol.Server;

namespace Parley.Testing.Research;

/// <summary>A tool call as the test MCP server saw it.</summary>
public sealed record McpCall(string Tool, string? OrderId);

/// <summary>
/// An MCP server (streamable HTTP, the official SDK's ASP.NET Core host) on a random loopback port, with a shop's
/// tools: <c>order_status</c> answers, <c>always_fails</c> throws. With a token, requests without
/// <c>Authorization: Bearer &lt;token&gt;</c> get 401. It records every call and every Authorization header it got.
/// </summary>
public sealed class TestMcpServer : IAsyncDisposable
{
    readonly string? token;
    readonly List<McpCall> calls = [];
    readonly List<string?> authorizations = [];
    WebApplication? app;
    int port;

    TestMcpServer(string? token) => this.token = token;

    /// <summary>Where Parley connects: <c>http://127.0.0.1:port/mcp</c>.</summary>
    public string Url => $"http://127.0.0.1:{port}/mcp";

    public IReadOnlyList<McpCall> Calls
    {
        get { lock (calls) return [.. calls]; }
    }

    /// <summary>The Authorization header of every request, as sent.</summary>
    public IReadOnlyList<string?> Authorizations
    {
        get { lock (authorizations) return [.. authorizations]; }
    }

    public static async Task<TestMcpServer> StartAsync(string? token = null)
    {
        var server = new TestMcpServer(token);
        await server.RunAsync();
        return server;
    }

    /// <summary>Stops the server and starts a new one on the same port: every session it knew is gone.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await RunAsync();
    }

    public async Task StopAsync()
    {
        if (app is null) return;
        await app.StopAsync();
        await app.DisposeAsync();
        app = null;
    }

    async Task RunAsync()
    {
        // The empty builder reads no configuration meant for the app under test and logs nowhere.
        var builder = WebApplication.CreateEmptyBuilder(new());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging();
        builder.Services.AddMcpServer(options => options.ServerInfo = new() { Name = "Test shop", Version = "1.0" })
            .WithHttpTransport()
            .WithTools([
                McpServerTool.Create(OrderStatus, new() { Name = "order_status", Description = "The status of one order of the shop." }),
                McpServerTool.Create(AlwaysFails, new() { Name = "always_fails", Description = "A tool that never works." }),
            ]);
        app = builder.Build();
        app.Use(CheckTokenAsync);
        app.MapMcp("/mcp");
        await app.StartAsync();
        port = new Uri(app.Urls.Single()).Port;
    }

    async Task CheckTokenAsync(HttpContext context, RequestDelegate next)
    {
        var authorization = context.Request.Headers.Authorization.FirstOrDefault();
        lock (authorizations) authorizations.Add(authorization);
        if (token is not null && authorization != $"Bearer {token}")
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        await next(context);
    }

    string OrderStatus([Description("The order's number, such as A-1001.")] string orderId)
    {
        lock (calls) calls.Add(new McpCall("order_status", orderId));
        return $"Order {orderId} shipped on Monday and arrives on Thursday.";
    }

    string AlwaysFails()
    {
        lock (calls) calls.Add(new McpCall("always_fails", null));
        throw new InvalidOperationException("The warehouse database is down.");
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
