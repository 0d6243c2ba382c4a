using System.Net;

namespace Parley.Tests.Integrations;

/// <summary>A loopback endpoint that keeps what the channel fakes deliver to it and answers a set status.</summary>
sealed class WebhookReceiver : IAsyncDisposable
{
    readonly WebApplication app;
    readonly List<(string Path, Dictionary<string, string> Headers, string Body)> received = [];

    WebhookReceiver(WebApplication app) => this.app = app;

    public int Status { get; set; } = 200;

    public IReadOnlyList<(string Path, Dictionary<string, string> Headers, string Body)> Received
    {
        get { lock (received) return [.. received]; }
    }

    public Uri Url(string path) => new(new Uri(app.Urls.Single()), path);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var receiver = new WebhookReceiver(builder.Build());
        receiver.app.Run(receiver.ReceiveAsync);
        await receiver.app.StartAsync();
        return receiver;
    }

    async Task ReceiveAsync(HttpContext context)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
        lock (received)
            received.Add((context.Request.Path + context.Request.QueryString, Copy(context.Request.Headers), body));
        context.Response.StatusCode = Status;
    }

    // Kestrel reuses a request's header collection once the request ends.
    static Dictionary<string, string> Copy(IHeaderDictionary headers) =>
        headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
