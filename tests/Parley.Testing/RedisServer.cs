using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Parley.Testing;

/// <summary>A redis-server of the test's own on a free loopback port, which the test may stop and start again.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    Process? process;

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    RedisServer(int port) => Port = port;

    public static async Task<RedisServer> StartAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var server = new RedisServer(port);
        await server.StartProcessAsync();
        return server;
    }

    async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo("redis-server",
            ["--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start; is Redis installed?");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException($"redis-server did not listen on port {Port}.");
    }

    public async Task StopAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process?.Dispose();
        process = null;
    }

    /// <summary>Stops Redis and starts it again empty, as after a crash of a cache without persistence.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartProcessAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
