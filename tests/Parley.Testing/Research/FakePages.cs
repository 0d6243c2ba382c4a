using System.Net;
using System.Text;

namespace Parley.Testing.Research;

/// <summary>
/// A small web site on a random loopback port for the page reader: an article among navigation and footer noise, a
/// plain text file, a PDF, a page far over any size limit, redirects (to its own article, to a loopback address by
/// number, to the cloud metadata address) and an endless chain of redirects. It counts the requests it gets.
/// </summary>
public sealed class FakePages : IAsyncDisposable
{
    public const string ArticleTitle = "How the lighthouse keeper counts ships";
    public const string ArticleSentence = "Every evening the keeper writes the number of passing ships into a blue notebook.";
    public const string NavigationText = "Home Products Pricing Careers";
    public const string FooterText = "Copyright Example Corp. All rights reserved. Imprint. Cookie settings.";

    readonly WebApplication app;
    int requestCount;

    FakePages()
    {
        var builder = WebApplication.CreateEmptyBuilder(new());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        app = builder.Build();
        app.Use((context, next) =>
        {
            Interlocked.Increment(ref requestCount);
            return next(context);
        });
        app.MapGet("/article", () => TypedResults.Text(Article(), "text/html", Encoding.UTF8));
        app.MapGet("/notes.txt", () => TypedResults.Text("Plain   notes.\r\n\r\n\r\nSecond paragraph.", "text/plain"));
        app.MapGet("/report.pdf", () => TypedResults.Bytes("%PDF-1.7"u8.ToArray(), "application/pdf"));
        app.MapGet("/huge", HugeAsync);
        app.MapGet("/missing", () => TypedResults.NotFound());
        app.MapGet("/to-article", () => TypedResults.Redirect("/article"));
        app.MapGet("/to-loopback", (HttpContext context) => TypedResults.Redirect($"http://127.0.0.1:{context.Connection.LocalPort}/article"));
        app.MapGet("/to-metadata", () => TypedResults.Redirect("http://169.254.169.254/latest/meta-data/"));
        app.MapGet("/loop/{n:int}", (int n) => TypedResults.Redirect($"/loop/{n + 1}"));
    }

    /// <summary><c>http://127.0.0.1:port</c>.</summary>
    public string BaseAddress { get; private set; } = "";
    public int Port { get; private set; }
    public int RequestCount => Volatile.Read(ref requestCount);

    public static async Task<FakePages> StartAsync()
    {
        var pages = new FakePages();
        await pages.app.StartAsync();
        pages.BaseAddress = pages.app.Urls.Single();
        pages.Port = new Uri(pages.BaseAddress).Port;
        return pages;
    }

    static string Article()
    {
        var paragraphs = string.Concat(Enumerable.Range(1, 6).Select(i =>
            $"<p>{(i == 1 ? ArticleSentence + " " : "")}On day {i} of the season the harbour was busy, and the keeper climbed the "
            + "one hundred and twelve steps of the tower twice, once at dusk to light the lamp and once at dawn to put it out, "
            + "noting the weather, the wind and every vessel that passed the point in careful handwriting.</p>"));
        return $$"""
            <!doctype html>
            <html><head><title>{{ArticleTitle}}</title><style>body { color: navy; }</style></head>
            <body>
              <header><nav><a href="/">Home</a> <a href="/p">Products</a> <a href="/pricing">Pricing</a> <a href="/jobs">Careers</a></nav></header>
              <main><article><h1>{{ArticleTitle}}</h1>{{paragraphs}}</article></main>
              <aside><a href="/more">More stories</a></aside>
              <footer><p>{{FooterText}}</p></footer>
              <script>console.log("tracking");</script>
            </body></html>
            """;
    }

    // Sent in chunks with no length given, so the reader must stop by itself.
    static async Task HugeAsync(HttpContext context)
    {
        context.Response.ContentType = "text/html";
        var line = Encoding.UTF8.GetBytes("<p>" + new string('x', 1020) + "</p>");
        try
        {
            for (var i = 0; i < 50_000; i++) await context.Response.Body.WriteAsync(line, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The reader hung up, as it should.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
