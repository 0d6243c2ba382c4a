using System.Text.RegularExpressions;
using Parley.Testing;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.Embed;

/// <summary>/embed.js on a customer's page: another origin, hostile global CSS, a desktop and a phone.</summary>
public sealed class EmbedScriptTests(BrowserFixture browser) : BrowserTest(browser)
{
    HostSite site = null!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        site = await HostSite.StartAsync(Parley);
    }

    public override async ValueTask DisposeAsync()
    {
        if (site is not null) await site.DisposeAsync();
        await base.DisposeAsync();
    }

    string EmbedTag(string attributes, bool async = true) =>
        $"""<script src="{new Uri(Parley.BaseAddress, "embed.js")}" {attributes}{(async ? " async" : "")}></script>""";

    static ILocator Launcher(IPage page) => page.GetByRole(AriaRole.Button, new() { Name = "Open chat" });

    static ILocator Panel(IPage page) => page.GetByRole(AriaRole.Dialog, new() { Name = "Chat" });

    async Task<(IPage Page, CreatedSession Session)> OpenHostPageAsync(IPage? page = null)
    {
        var session = await Parley.CreateSessionAsync();
        page ??= await OpenPageAsync();
        await page.GotoAsync(site.AddPage("talk", EmbedTag($"""data-talk-url="{session.TalkUrl}" """)));
        return (page, session);
    }

    /// <summary>Waits until the panel's iframe has loaded the page at <paramref name="url"/>, and returns that frame.</summary>
    static async Task<IFrame> LoadedTalkFrameAsync(IPage page, string url)
    {
        var iframe = Panel(page).Locator("iframe");
        await Expect(iframe).ToHaveAttributeAsync("src", url);
        var frame = await (await iframe.ElementHandleAsync()).ContentFrameAsync()
            ?? throw new InvalidOperationException("The iframe has no frame.");
        // The frame may finish loading before a wait for its navigation begins; the talk page's input shows it loaded.
        await Expect(frame.Locator("#parley-input")).ToBeVisibleAsync();
        Assert.Equal(url, frame.Url);
        return frame;
    }

    [Fact]
    public async Task Button_is_visible_and_clickable_despite_the_host_pages_css()
    {
        var (page, _) = await OpenHostPageAsync();
        var launcher = Launcher(page);

        await Expect(launcher).ToBeVisibleAsync();
        await Expect(launcher).ToHaveAttributeAsync("aria-expanded", "false");
        var box = await launcher.BoundingBoxAsync() ?? throw new InvalidOperationException("The button has no box.");
        Assert.Equal((56, 56), (box.Width, box.Height));
        Assert.Equal((1280 - 20, 800 - 20), (box.X + box.Width, box.Y + box.Height));
        Assert.Equal("rgb(37, 99, 235)", await launcher.EvaluateAsync<string>("b => getComputedStyle(b).backgroundColor"));
        Assert.Equal(28, (await launcher.Locator("svg:visible").BoundingBoxAsync())?.Width);
        await SaveScreenshotAsync("embed-closed");

        // Playwright clicks only when the button itself is what receives the click at its centre.
        await launcher.ClickAsync();

        await Expect(launcher).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(Panel(page)).ToBeVisibleAsync();
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Opening_shows_the_talk_page_in_an_iframe_panel()
    {
        var (page, session) = await OpenHostPageAsync();
        Assert.Equal(0, await page.Locator("iframe").CountAsync());   // nothing loads before the first open

        await Launcher(page).ClickAsync();

        var frame = await LoadedTalkFrameAsync(page, session.TalkUrl);
        Assert.NotEmpty(await frame.TitleAsync());
        var iframe = Panel(page).Locator("iframe");
        await Expect(iframe).ToBeVisibleAsync();
        await Expect(iframe).ToHaveAttributeAsync("allow", "clipboard-write; microphone");
        await Expect(iframe).ToHaveAttributeAsync("title", "Chat");
        var panel = await Panel(page).BoundingBoxAsync() ?? throw new InvalidOperationException("The panel has no box.");
        Assert.Equal((400, 640), (panel.Width, panel.Height));
        await SaveScreenshotAsync("embed-open");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Escape_closes_the_panel_and_focus_returns_to_the_button()
    {
        var (page, session) = await OpenHostPageAsync();
        var launcher = Launcher(page);
        await launcher.FocusAsync();

        await page.Keyboard.PressAsync("Enter");
        await LoadedTalkFrameAsync(page, session.TalkUrl);
        await Expect(Panel(page).GetByRole(AriaRole.Button, new() { Name = "Close chat" })).ToBeFocusedAsync();

        await page.Keyboard.PressAsync("Escape");

        await Expect(Panel(page)).ToBeHiddenAsync();
        await Expect(launcher).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(launcher).ToBeFocusedAsync();
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Talk_page_can_ask_to_close_the_panel_but_other_windows_cannot()
    {
        var (page, session) = await OpenHostPageAsync();
        await Launcher(page).ClickAsync();
        var frame = await LoadedTalkFrameAsync(page, session.TalkUrl);

        // Resolves once the message was delivered, after embed.js's own listener (registered earlier) ran.
        await page.EvaluateAsync("""
            () => new Promise(delivered => {
              addEventListener('message', () => delivered(), { once: true });
              postMessage('parley:close', '*');
            })
            """);
        await Expect(Panel(page)).ToBeVisibleAsync();

        // Escape pressed inside the talk page never reaches the host document; the page posts the message instead.
        await frame.Locator("#parley-input").PressAsync("Escape");

        await Expect(Panel(page)).ToBeHiddenAsync();
        await Expect(Launcher(page)).ToHaveAttributeAsync("aria-expanded", "false");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Host_page_keeps_its_own_styles()
    {
        var session = await Parley.CreateSessionAsync();
        var page = await OpenPageAsync();
        await page.GotoAsync(site.AddPage("plain", ""));
        var before = await HostStylesAsync(page);

        // Added the way tag managers do, after the page has loaded.
        await page.EvaluateAsync("""
            ([src, talkUrl]) => {
              const script = document.createElement('script');
              script.src = src;
              script.dataset.talkUrl = talkUrl;
              document.body.append(script);
            }
            """, new[] { new Uri(Parley.BaseAddress, "embed.js").ToString(), session.TalkUrl });
        await Launcher(page).ClickAsync();
        await LoadedTalkFrameAsync(page, session.TalkUrl);

        Assert.Equal(before, await HostStylesAsync(page));
        AssertNoConsoleErrors();
    }

    static Task<string[]> HostStylesAsync(IPage page) => page.EvaluateAsync<string[]>("""
        () => {
          const properties = ['display', 'color', 'background-color', 'font-family', 'font-size', 'line-height', 'letter-spacing',
            'text-transform', 'width', 'height', 'margin-top', 'padding-top', 'border-top-width', 'border-top-color', 'box-sizing'];
          const rules = [...document.styleSheets].flatMap(sheet => [...sheet.cssRules].map(rule => rule.cssText));
          return ['html', 'body', '.content', 'h1', 'p', '#own']
            .flatMap(selector => {
              const style = getComputedStyle(document.querySelector(selector));
              return properties.map(property => `${selector} ${property}: ${style.getPropertyValue(property)}`);
            })
            .concat(rules);
        }
        """);

    [Fact]
    public async Task Session_url_mode_asks_the_sites_backend_once_and_reuses_the_session()
    {
        var clientId = await Parley.CreateChatClientAsync();
        var page = await OpenPageAsync();
        var address = site.AddPage("backend", EmbedTag($"""data-client-id="{clientId}" data-session-url="/api/parley-session" """));
        await page.GotoAsync(address);
        await Expect(Launcher(page)).ToBeVisibleAsync();
        Assert.Empty(site.SessionRequests);   // no session for visitors who never open the chat

        await Launcher(page).ClickAsync();
        var iframe = Panel(page).Locator("iframe");
        await Expect(iframe).ToHaveAttributeAsync("src", new Regex($"^{Regex.Escape(Parley.BaseAddress.ToString())}chat/wky_"));
        var talkUrl = await iframe.GetAttributeAsync("src") ?? "";
        await LoadedTalkFrameAsync(page, talkUrl);

        await Panel(page).GetByRole(AriaRole.Button, new() { Name = "Close chat" }).ClickAsync();
        await Expect(Panel(page)).ToBeHiddenAsync();
        await Launcher(page).ClickAsync();
        await Expect(iframe).ToHaveAttributeAsync("src", talkUrl);

        // A reload in the same tab finds the session in sessionStorage.
        await page.ReloadAsync();
        await Launcher(page).ClickAsync();
        await LoadedTalkFrameAsync(page, talkUrl);

        Assert.Equal([clientId.ToString()], site.SessionRequests);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task On_a_phone_the_open_panel_covers_the_screen()
    {
        var (page, session) = await OpenHostPageAsync(await OpenPhonePageAsync());
        await Expect(Launcher(page)).ToBeVisibleAsync();
        await SaveScreenshotAsync("embed-phone-closed");

        await Launcher(page).TapAsync();

        await LoadedTalkFrameAsync(page, session.TalkUrl);
        var panel = await Panel(page).BoundingBoxAsync() ?? throw new InvalidOperationException("The panel has no box.");
        Assert.Equal((0, 0, 360, 740), (panel.X, panel.Y, panel.Width, panel.Height));
        await SaveScreenshotAsync("embed-phone-open");

        await Panel(page).GetByRole(AriaRole.Button, new() { Name = "Close chat" }).TapAsync();
        await Expect(Panel(page)).ToBeHiddenAsync();
        await Expect(Launcher(page)).ToBeVisibleAsync();
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Included_twice_draws_one_button_with_the_first_tags_options()
    {
        var session = await Parley.CreateSessionAsync();
        var page = await OpenPageAsync();
        // Without async, so the two run in order before the load event that GotoAsync waits for.
        var first = EmbedTag($"""data-talk-url="{session.TalkUrl}" data-position="left" data-color="#0b57d0" data-label="Ask us" """, async: false);
        var second = EmbedTag($"""data-talk-url="{session.TalkUrl}" """, async: false);
        await page.GotoAsync(site.AddPage("twice", first + second));

        var launcher = page.GetByRole(AriaRole.Button, new() { Name = "Ask us" });
        await Expect(launcher).ToBeVisibleAsync();
        Assert.Equal(1, await page.Locator("parley-embed").CountAsync());
        var box = await launcher.BoundingBoxAsync() ?? throw new InvalidOperationException("The button has no box.");
        Assert.Equal(20, box.X);
        Assert.Equal("rgb(11, 87, 208)", await launcher.EvaluateAsync<string>("b => getComputedStyle(b).backgroundColor"));

        await page.EvaluateAsync("ParleyEmbed.open()");
        await LoadedTalkFrameAsync(page, session.TalkUrl);
        await page.EvaluateAsync("ParleyEmbed.toggle()");
        await Expect(Panel(page)).ToBeHiddenAsync();
        AssertNoConsoleErrors();
    }
}
