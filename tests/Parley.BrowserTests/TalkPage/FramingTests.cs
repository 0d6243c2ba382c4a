using Parley.BrowserTests.Embed;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.TalkPage;

/// <summary>allowedFrameOrigins decides which sites may show the talk page in a frame.</summary>
public sealed class FramingTests(BrowserFixture browser) : BrowserTest(browser)
{
    [Fact]
    public async Task With_no_origins_listed_any_site_can_frame_the_page()
    {
        var session = await Parley.CreateSessionAsync(await Parley.CreateChatClientAsync(clientParameters: new { pageTitle = "Framed chat" }));
        await using var site = await HostSite.StartAsync(Parley);

        var title = await FramedTitleAsync(site, session.TalkUrl);

        Assert.Equal("Framed chat", title);
    }

    [Fact]
    public async Task With_origins_listed_only_those_sites_can_frame_the_page()
    {
        await using var site = await HostSite.StartAsync(Parley);
        var siteOrigin = site.BaseAddress.GetLeftPart(UriPartial.Authority);
        var allowed = await Parley.CreateSessionAsync(await Parley.CreateChatClientAsync(clientParameters: new
        {
            pageTitle = "Allowed", allowedFrameOrigins = new[] { siteOrigin },
        }));
        var refused = await Parley.CreateSessionAsync(await Parley.CreateChatClientAsync(clientParameters: new
        {
            pageTitle = "Refused", allowedFrameOrigins = new[] { "https://elsewhere.example" },
        }));

        Assert.Equal("Allowed", await FramedTitleAsync(site, allowed.TalkUrl));
        Assert.Null(await FramedTitleAsync(site, refused.TalkUrl));
    }

    /// <summary>The talk page's title as seen inside an iframe of the host site, or null when the browser refused to show it.</summary>
    async Task<string?> FramedTitleAsync(HostSite site, string talkUrl)
    {
        var page = await OpenPageAsync();
        var host = site.AddPage($"frame-{Guid.NewGuid():n}", $"""<iframe id="chat" src="{talkUrl}" style="display:block" width="400" height="600"></iframe>""");
        await page.GotoAsync(host);
        await Expect(page.Locator("#chat")).ToHaveCountAsync(1);
        var frame = page.Frames.FirstOrDefault(f => f.ParentFrame is not null);
        for (var i = 0; i < 50 && frame?.Url is null or "about:blank"; i++)
        {
            await page.WaitForTimeoutAsync(100);
            frame = page.Frames.FirstOrDefault(f => f.ParentFrame is not null);
        }
        await page.WaitForTimeoutAsync(300);
        if (frame is null || !frame.Url.StartsWith(talkUrl, StringComparison.Ordinal)) return null;
        try
        {
            var title = await frame.TitleAsync();
            return string.IsNullOrEmpty(title) ? null : title;
        }
        catch (PlaywrightException)
        {
            return null;
        }
    }
}
