using System.Net;
using System.Net.Sockets;

namespace Parley.Testing;

/// <summary>
/// A loopback port where connection attempts go unanswered, like a host behind a firewall that drops packets: a
/// listener that never accepts, whose accept queue is kept full, so the kernel drops every further SYN and a
/// client's connect waits until its own timeout.
/// </summary>
public sealed class UnansweredPort : IDisposable
{
    readonly Socket listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    readonly List<Socket> fillers = [];

    UnansweredPort()
    {
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public string BaseAddress => $"http://127.0.0.1:{Port}/v1";

    public static async Task<UnansweredPort> OpenAsync()
    {
        var port = new UnansweredPort();
        // A backlog of 0 still queues a connection or two; connect until one is left waiting, then the queue is full.
        for (var i = 0; i < 4; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            port.fillers.Add(filler);
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                await filler.ConnectAsync(IPAddress.Loopback, port.Port, wait.Token);
            }
            catch (OperationCanceledException)
            {
                return port;
            }
        }
        port.Dispose();
        throw new InvalidOperationException("The loopback listener kept accepting connections; this kernel does not drop SYNs on a full queue.");
    }

    public void Dispose()
    {
        foreach (var filler in fillers) filler.Dispose();
        listener.Dispose();
    }
}
