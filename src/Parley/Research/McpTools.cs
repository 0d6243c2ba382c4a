using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Parley.Gateways;

namespace Parley.Research;

/// <summary>
/// The tools of a gateway's MCP servers, for its model. Sessions with the servers are kept per gateway and per version
/// of its server list, so a reply does not reconnect; a changed list closes the old sessions, and sessions unused for
/// a while are closed too. A server that cannot be reached is left out of the reply with a warning, never failing it.
/// </summary>
public sealed partial class McpTools(
    IHttpClientFactory httpClients, Gateways.GatewayKeyProtector keys, ILoggerFactory loggers, TimeProvider clock, ILogger<McpTools> logger)
    : IResearchTools, IAsyncDisposable
{
    public const string HttpClientName = "mcp";
    static readonly TimeSpan IdleFor = TimeSpan.FromMinutes(30);

    readonly ConcurrentDictionary<Guid, GatewayServers> gateways = new();
    readonly ILogger toolLogger = loggers.CreateLogger<McpToolFunction>();
    readonly McpSdkLoggers sdkLoggers = new(loggers);

    sealed record GatewayServers(string Version, IReadOnlyList<McpConnection> Connections);

    public async Task<IReadOnlyList<AITool>> ForAsync(AiGateway gateway, CancellationToken ct)
    {
        await CloseIdleAsync(gateway.Id);
        if (gateway.Parameters.McpServers is not { Count: > 0 } servers)
        {
            await ForgetAsync(gateway.Id);
            return [];
        }

        var connections = await ConnectionsAsync(gateway.Id, servers);
        var listed = await Task.WhenAll(connections.Select(c => ListAsync(c, ct)));
        var names = UniqueNames([.. connections.Zip(listed, (c, tools) => (c.Server.Name, (IReadOnlyList<string>)[.. tools.Select(t => t.Name)]))]);
        return [.. connections.SelectMany((connection, s) =>
            listed[s].Select((tool, t) => new McpToolFunction(tool, names[s][t], connection, toolLogger)))];
    }

    async Task<IList<ModelContextProtocol.Client.McpClientTool>> ListAsync(McpConnection connection, CancellationToken ct)
    {
        if (connection.Resting) return [];
        try
        {
            return await connection.ToolsAsync(ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            // The server's name and what failed (the SDK's and HttpClient's messages name no header), never its settings.
            LogUnreachable(logger, connection.Server.Name, ex is OperationCanceledException ? "no answer in time" : ex.Message);
            return [];
        }
    }

    async Task<IReadOnlyList<McpConnection>> ConnectionsAsync(Guid gatewayId, IReadOnlyList<McpServerSettings> servers)
    {
        var version = VersionOf(servers);
        if (gateways.TryGetValue(gatewayId, out var known) && known.Version == version) return known.Connections;

        var http = httpClients.CreateClient(HttpClientName);
        var fresh = new GatewayServers(version, [.. keys.UnprotectHeaders(servers)!.Select(s => new McpConnection(s, http, sdkLoggers, clock))]);
        var current = gateways.AddOrUpdate(gatewayId, fresh, (_, existing) => existing.Version == version ? existing : fresh);
        if (!ReferenceEquals(current, fresh)) return current.Connections;
        if (known is not null) await CloseAsync(known);
        return fresh.Connections;
    }

    /// <summary>
    /// Every tool is named after its server and itself (<c>shop_order_status</c>), whether or not names collide: two
    /// servers may offer the same name, a server may reuse one of Parley's own tools' names, and a tool keeps its name
    /// when servers are added, so earlier tool calls in the history still name it. Names keep to what every provider
    /// takes as a function name (<c>^[a-zA-Z0-9_-]{1,64}$</c>); a name cut or shared anyway gets a number.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> UniqueNames(IReadOnlyList<(string Server, IReadOnlyList<string> Tools)> servers)
    {
        var taken = new HashSet<string>(ParleysOwnTools, StringComparer.OrdinalIgnoreCase);
        return [.. servers.Select(server => (IReadOnlyList<string>)[.. server.Tools.Select(tool =>
        {
            var name = $"{Clean(server.Server, 24)}_{Clean(tool, 64)}";
            if (name.Length > 64) name = name[..64];
            var unique = name;
            for (var n = 2; !taken.Add(unique); n++) unique = $"{name[..Math.Min(name.Length, 60)]}_{n}";
            return unique;
        })])];
    }

    // The web tools' names (ResearchSettings): a server named "web" with a tool "search" must not shadow one.
    static readonly string[] ParleysOwnTools = [WebTools.SearchName, WebTools.ReadName];

    static string Clean(string text, int length)
    {
        var clean = InvalidNameCharacters().Replace(text.Trim(), "_").Trim('_');
        if (clean.Length == 0) clean = "mcp";
        return clean.Length <= length ? clean : clean[..length];
    }

    [GeneratedRegex("[^a-zA-Z0-9_-]+")]
    private static partial Regex InvalidNameCharacters();

    // The servers' settings, headers included: a changed token must open new sessions.
    static string VersionOf(IReadOnlyList<McpServerSettings> servers) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(servers.Select(s => new
        {
            s.Name, s.Url, Headers = s.Headers?.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => new[] { h.Key, h.Value }),
        })))));

    async Task ForgetAsync(Guid gatewayId)
    {
        if (gateways.TryRemove(gatewayId, out var gone)) await CloseAsync(gone);
    }

    async Task CloseIdleAsync(Guid asking)
    {
        var now = clock.GetUtcNow();
        foreach (var (id, servers) in gateways)
        {
            if (id != asking && servers.Connections.All(c => now - c.LastUsed > IdleFor)
                && gateways.TryRemove(new KeyValuePair<Guid, GatewayServers>(id, servers)))
                await CloseAsync(servers);
        }
    }

    static async Task CloseAsync(GatewayServers servers)
    {
        foreach (var connection in servers.Connections) await connection.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in gateways.Keys) await ForgetAsync(id);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The MCP server {Server} could not be reached ({Error}); its tools are left out of this reply")]
    static partial void LogUnreachable(ILogger logger, string server, string error);
}

public static class McpToolsSetup
{
    public static IServiceCollection AddMcpTools(this IServiceCollection services)
    {
        // Timeouts are McpConnection's and McpToolFunction's, per step, not one for the whole session.
        services.AddHttpClient(McpTools.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IResearchTools, McpTools>());
        return services;
    }
}
