using System.Net;
using System.Net.Sockets;

namespace Parley.Testing;

/// <summary>
/// A loopback port that passes connections through to a real server until the test cuts it: then every open
/// connection is reset and new ones are refused, as when a database host goes away, until it is mended.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    readonly IPEndPoint target;
    readonly CancellationTokenSource stopping = new();
    readonly Lock gate = new();
    readonly List<Socket> open = [];
    TcpListener? listener;
    Task accepting = Task.CompletedTask;

    TcpRelay(IPEndPoint target, int port)
    {
        this.target = target;
        Port = port;
    }

    public int Port { get; }

    public static TcpRelay Start(string host, int port)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var own = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var relay = new TcpRelay(new IPEndPoint(Dns.GetHostAddresses(host)[0], port), own);
        relay.Mend();
        return relay;
    }

    /// <summary>Resets every connection and refuses new ones.</summary>
    public async Task CutAsync()
    {
        lock (gate)
        {
            listener?.Stop();
            listener = null;
            foreach (var socket in open)
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            open.Clear();
        }
        await accepting.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>Accepts and passes through connections again, on the same port.</summary>
    public void Mend()
    {
        lock (gate)
        {
            listener = new TcpListener(IPAddress.Loopback, Port);
            listener.Start();
            accepting = AcceptAsync(listener);
        }
    }

    async Task AcceptAsync(TcpListener current)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await current.AcceptSocketAsync(stopping.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await server.ConnectAsync(target, stopping.Token);
            }
            catch (SocketException)
            {
                client.Close();
                server.Dispose();
                continue;
            }
            lock (gate)
            {
                open.Add(client);
                open.Add(server);
            }
            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0) break;
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Cut: the other pump sees its socket closed too.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await CutAsync();
        stopping.Dispose();
    }
}
