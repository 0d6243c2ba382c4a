using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Parley.Research;

/// <summary>
/// One MCP server of one gateway: a client session over streamable HTTP, opened on first use and kept for the replies
/// after it. A failure drops the session, so the next use opens a new one: a restarted server forgets its sessions.
/// </summary>
public sealed class McpConnection(McpServerSettings server, HttpClient http, ILoggerFactory loggers, TimeProvider clock) : IAsyncDisposable
{
    static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    // A server that could not be reached is not tried again at once: every reply would wait for it otherwise.
    static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    readonly SemaphoreSlim gate = new(1, 1);
    McpClient? client;
    IList<McpClientTool>? tools;
    DateTimeOffset failedAt = DateTimeOffset.MinValue;
    bool disposed;

    public McpServerSettings Server => server;

    /// <summary>When the server was last asked for anything; connections unused for long are closed.</summary>
    public DateTimeOffset LastUsed { get; private set; } = clock.GetUtcNow();

    /// <summary>True while a failed connection is too recent to try again.</summary>
    public bool Resting => clock.GetUtcNow() - failedAt < RetryAfter;

    /// <summary>The server's tools, listed once per session.</summary>
    public async Task<IList<McpClientTool>> ToolsAsync(CancellationToken ct)
    {
        var (_, listed) = await ConnectedAsync(ct);
        return listed;
    }

    /// <summary>Calls a tool on the current session (opening one if the last failed); any failure drops the session.</summary>
    public async Task<CallToolResult> CallAsync(string tool, IReadOnlyDictionary<string, object?> arguments, CancellationToken ct)
    {
        McpClient? used = null;
        try
        {
            (used, _) = await ConnectedAsync(ct);
            return await used.CallToolAsync(tool, arguments, cancellationToken: ct);
        }
        catch
        {
            await DropAsync(used);
            throw;
        }
    }

    async Task<(McpClient Client, IList<McpClientTool> Tools)> ConnectedAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            LastUsed = clock.GetUtcNow();
            if (client is not null && tools is not null) return (client, tools);

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(ConnectTimeout);
            try
            {
                var transport = new HttpClientTransport(new HttpClientTransportOptions
                {
                    Endpoint = new Uri(server.Url),
                    Name = server.Name,
                    TransportMode = HttpTransportMode.StreamableHttp,
                    AdditionalHeaders = server.Headers?.ToDictionary(),
                    ConnectionTimeout = ConnectTimeout,
                    // Parley only asks; it never waits for messages the server would send on its own.
                    EnableStandaloneGetStream = false,
                }, http, loggers, ownsHttpClient: false);
                client = await McpClient.CreateAsync(transport, new McpClientOptions
                {
                    ClientInfo = new Implementation { Name = "Parley", Version = typeof(McpConnection).Assembly.GetName().Version?.ToString() ?? "1.0" },
                    InitializationTimeout = ConnectTimeout,
                }, loggers, timeout.Token);
                tools = await client.ListToolsAsync(cancellationToken: timeout.Token);
                return (client, tools);
            }
            catch
            {
                failedAt = clock.GetUtcNow();
                await CloseAsync();
                throw;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    async Task DropAsync(McpClient? failed)
    {
        await gate.WaitAsync(CancellationToken.None);
        try
        {
            // Another call may already have replaced the failed session with a good one.
            if (failed is not null && ReferenceEquals(failed, client)) await CloseAsync();
        }
        finally
        {
            gate.Release();
        }
    }

    async Task CloseAsync()
    {
        var closing = client;
        client = null;
        tools = null;
        if (closing is null) return;
        try
        {
            await closing.DisposeAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A session that broke may fail to close as well; there is nothing left to release.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync(CancellationToken.None);
        try
        {
            disposed = true;
            await CloseAsync();
        }
        finally
        {
            gate.Release();
        }
    }
}
