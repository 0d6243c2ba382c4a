[assembly: AssemblyFixture(typeof(Parley.BrowserTests.BrowserFixture))]

namespace Parley.BrowserTests;

/// <summary>
/// One Chromium for the whole test assembly. Tests never share a page or a context: each opens its own
/// <see cref="IBrowserContext"/>, which is cheap and keeps cookies, storage and caches apart. After start-up
/// the fixture is only read, and Playwright's connection accepts calls from several tests at once.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new()
        {
            // Debian's chromium package: Playwright's own browser download is never used.
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        playwright?.Dispose();
    }
}
