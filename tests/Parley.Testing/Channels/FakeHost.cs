using System.Net;

namespace Parley.Testing.Channels;

/// <summary>
/// The Kestrel server under a channel fake: one request handler on a loopback port that can be stopped (connection
/// refused) and started again on the same port, so a test can take the platform away and bring it back while Parley
/// keeps its configured address. The fake's state lives in the fake, not here, so it survives a restart.
/// </summary>
sealed class FakeHost(RequestDelegate handle) : IAsyncDisposable
{
    // What a reverse proxy in front of the real API answers while the service behind it is unreachable.
    const string BadGatewayPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        + "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n";

    WebApplication? app;
    CancellationTokenSource running = new();

    public int Port { get; private set; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    /// <summary>Cancelled when the server stops, so handlers that wait (long polling) let go at once.</summary>
    public CancellationToken Stopping => running.Token;

    /// <summary>While true, every request gets the proxy's 502 page instead of an API answer.</summary>
    public bool Down { get; set; }

    public async Task StartAsync()
    {
        if (app is not null)
            throw new InvalidOperationException("The fake is already running.");
        // The empty builder reads no appsettings, environment variables or Kestrel config meant for the app under
        // test, and has no logging providers, so the fake stays quiet.
        var builder = WebApplication.CreateEmptyBuilder(new());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, Port));
        var started = builder.Build();
        started.Run(handle);
        await started.StartAsync();
        Port = new Uri(started.Urls.Single()).Port; // the real port, now that Kestrel is listening
        app = started;
    }

    public async Task StopAsync()
    {
        if (app is null)
            return;
        await running.CancelAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
        app = null;
        running.Dispose();
        running = new();
    }

    public static async Task WriteBadGatewayAsync(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status502BadGateway;
        response.ContentType = "text/html";
        await response.WriteAsync(BadGatewayPage);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        running.Dispose();
    }
}
