using System.Collections.Concurrent;
using Parley.Testing;

namespace Parley.BrowserTests;

/// <summary>
/// What every browser test starts with: a real Parley of its own, and pages in a browser context of its own
/// whose console errors are collected so a test can assert there were none.
/// </summary>
public abstract class BrowserTest(BrowserFixture browser) : IAsyncLifetime
{
    public static ViewportSize Desktop => new() { Width = 1280, Height = 800 };
    public static ViewportSize Phone => new() { Width = 360, Height = 740 };

    readonly ConcurrentQueue<string> consoleErrors = new();
    readonly List<IBrowserContext> contexts = [];
    IPage? lastPage;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected TestParley Parley { get; private set; } = null!;

    /// <summary>Errors the pages logged to the console or threw, including those of frames inside them.</summary>
    protected IReadOnlyCollection<string> ConsoleErrors => consoleErrors;

    protected void AssertNoConsoleErrors() =>
        Assert.True(consoleErrors.IsEmpty, "The page logged errors:\n" + string.Join("\n", consoleErrors));

    public virtual async ValueTask InitializeAsync() => Parley = await TestParley.StartAsync(DatabaseKind.Sqlite);

    /// <summary>A new page in a new browser context, 1280×800 unless told otherwise; <paramref name="locale"/> sets the browser's languages.</summary>
    protected async Task<IPage> OpenPageAsync(ViewportSize? viewport = null, bool phone = false, string? locale = null)
    {
        var context = await browser.Browser.NewContextAsync(new()
        {
            ViewportSize = viewport ?? Desktop,
            IsMobile = phone,
            HasTouch = phone,
            Locale = locale,
            // Animations off: boxes are measured and screenshots taken at their final place.
            ReducedMotion = ReducedMotion.Reduce,
        });
        lock (contexts) contexts.Add(context);

        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error") consoleErrors.Enqueue($"{message.Location}: {message.Text}");
        };
        page.PageError += (_, error) => consoleErrors.Enqueue(error);
        lastPage = page;
        return page;
    }

    /// <summary>A page the size of a small phone (360×740), with touch.</summary>
    protected Task<IPage> OpenPhonePageAsync(string? locale = null) => OpenPageAsync(Phone, phone: true, locale: locale);

    /// <summary>Saves a PNG of the page (by default the last one opened) for people to look at.</summary>
    protected async Task SaveScreenshotAsync(string name, IPage? page = null)
    {
        var folder = Environment.GetEnvironmentVariable("SCREENSHOT_DIR") ?? Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await (page ?? lastPage ?? throw new InvalidOperationException("No page is open."))
            .ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png") });
    }

    public virtual async ValueTask DisposeAsync()
    {
        foreach (var context in contexts) await context.CloseAsync();
        if (Parley is not null) await Parley.DisposeAsync();
        GC.SuppressFinalize(this);   // CA1816: derived tests never add finalizers, but the rule asks for it
    }
}
