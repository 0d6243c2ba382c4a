using Parley.Sessions;
using Parley.Testing;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.Console;

/// <summary>The Sessions page over 10,000 sessions of one chat client: paging, sorting, filtering, row actions, both languages, the keyboard.</summary>
public sealed class SessionsTableTests(BrowserFixture browser) : ConsoleTest(browser)
{
    const int Count = 10_000;
    const string Markup = "<img src=x onerror=alert(1)><script>alert(2)</script>";
    static readonly DateTime Start = new(2025, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Rows with a session: QuickGrid fills a short last page with empty rows.</summary>
    const string Rows = ".insight-grid tbody tr.insight-row";

    Guid acme;
    Guid billing;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var gateway = await Parley.CreateGatewayAsync();
        acme = await InsightSeed.ClientAsync(Parley, "Acme Support", gateway);
        billing = await InsightSeed.ClientAsync(Parley, "Billing Bot", gateway);
        // Session i: tag user-0000i, every third on Telegram, 10·i tokens, an hour after the one before.
        await InsightSeed.ManyAsync(Parley, Count, i => (acme, Start.AddHours(i), $"user-{i:00000}",
            i % 3 == 0 ? SessionChannels.Telegram : SessionChannels.Web, $"plan: {(i % 2 == 0 ? "gold" : "basic")}; seat {i}",
            [
                new SeedMessage(MessageRole.User, $"question {i}", Start.AddHours(i)),
                new SeedMessage(MessageRole.Assistant, $"answer {i}", Start.AddHours(i).AddMinutes(1), 7 * i, 3 * i),
            ]));
        await InsightSeed.SessionAsync(Parley, billing, Start, Markup, SessionChannels.Web, Markup,
            new SeedMessage(MessageRole.User, Markup, Start));
    }

    [Fact]
    public async Task The_table_pages_sorts_and_filters_ten_thousand_sessions_on_the_server()
    {
        var page = await OpenPageAsync();
        await SignInAsync(page, path: $"/console/login?returnUrl=%2Fconsole%2Fsessions%3Fclient%3D{acme}");
        await WaitUntilLiveAsync(page);
        var rows = page.Locator(Rows);
        var pager = page.GetByRole(AriaRole.Navigation, new() { Name = "Pages" });

        await Expect(pager.GetByRole(AriaRole.Status)).ToHaveTextAsync("Page 1 of 400 · 10,000 sessions");
        await Expect(rows).ToHaveCountAsync(25);
        await Expect(rows.First.Locator(".insight-tag")).ToHaveTextAsync("user-09999");
        await Expect(rows.First).ToContainTextAsync("plan: basic; seat 9999");
        await SaveScreenshotAsync("sessions-table");

        await pager.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();
        await Expect(pager.GetByRole(AriaRole.Status)).ToHaveTextAsync("Page 2 of 400 · 10,000 sessions");
        await Expect(rows.First.Locator(".insight-tag")).ToHaveTextAsync("user-09974");
        await pager.GetByRole(AriaRole.Button, new() { Name = "Last" }).ClickAsync();
        await Expect(rows.Last.Locator(".insight-tag")).ToHaveTextAsync("user-00000");

        // Sorting by tokens starts again from the first page: ascending first, then descending.
        var tokens = page.GetByRole(AriaRole.Columnheader, new() { Name = "Tokens" });
        await tokens.GetByRole(AriaRole.Button).ClickAsync();
        await Expect(tokens).ToHaveAttributeAsync("aria-sort", "ascending");
        await Expect(pager.GetByRole(AriaRole.Status)).ToHaveTextAsync("Page 1 of 400 · 10,000 sessions");
        await Expect(rows.First.Locator(".insight-tag")).ToHaveTextAsync("user-00000");
        await tokens.GetByRole(AriaRole.Button).ClickAsync();
        await Expect(tokens).ToHaveAttributeAsync("aria-sort", "descending");
        await Expect(rows.First.Locator(".insight-tag")).ToHaveTextAsync("user-09999");
        await Expect(rows.First).ToContainTextAsync("99,990");

        // Filters: a tag's start and a channel, applied by the server.
        await page.GetByLabel("Tag starts with").FillAsync("user-0999");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(pager.GetByRole(AriaRole.Status)).ToHaveTextAsync("Page 1 of 1 · 10 sessions");
        await page.GetByLabel("Channel").SelectOptionAsync("telegram");
        await Expect(pager.GetByRole(AriaRole.Status)).ToHaveTextAsync("Page 1 of 1 · 4 sessions");
        await Expect(rows.Locator(".insight-tag")).ToHaveTextAsync(["user-09999", "user-09996", "user-09993", "user-09990"]);
        Assert.Contains("tag=user-0999", page.Url, StringComparison.Ordinal);
        Assert.Contains("channel=telegram", page.Url, StringComparison.Ordinal);
        await SaveScreenshotAsync("sessions-filtered");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Row_actions_open_in_chats_give_a_working_talk_url_clear_and_delete()
    {
        var page = await OpenPageAsync();
        await SignInAsync(page, path: $"/console/login?returnUrl=%2Fconsole%2Fsessions%3Fclient%3D{acme}%26tag%3Duser-0000");
        await WaitUntilLiveAsync(page);
        var rows = page.Locator(Rows);
        await Expect(rows).ToHaveCountAsync(10);

        var first = rows.First;
        // Sessions of June 2025 are long expired: a talk URL would only say so, and none is made.
        await first.GetByRole(AriaRole.Button, new() { Name = "Copy talk URL" }).ClickAsync();
        await Expect(page.Locator(".console-status")).ToHaveTextAsync("This session has expired or no longer exists: it has no talk URL.");

        await first.GetByRole(AriaRole.Button, new() { Name = "Clear" }).ClickAsync();
        await Expect(first.GetByRole(AriaRole.Button, new() { Name = "Clear" })).ToBeFocusedAsync();
        await first.GetByRole(AriaRole.Button, new() { Name = "Clear" }).ClickAsync();
        await Expect(page.Locator(".console-status")).ToHaveTextAsync("The conversation was cleared.");
        await Expect(rows.First.Locator("td").Nth(2)).ToHaveTextAsync("0");

        await rows.First.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        // The question comes in the row, its button focused: Enter confirms.
        await Expect(rows.First.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Delete this session and its messages?");
        await Expect(rows.First.GetByRole(AriaRole.Button, new() { Name = "Delete" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".console-status")).ToHaveTextAsync("The session was deleted.");
        await Expect(rows).ToHaveCountAsync(9);

        await rows.First.GetByRole(AriaRole.Link, new() { Name = "Open in Chats" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/chats\\?session="));
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Chat" })).ToContainTextAsync("answer 8");

        // A session still open gets a new key; the link it makes opens the talk page.
        var live = await Parley.CreateSessionAsync(acme, new { tag = "user-live" });
        await page.GotoAsync(Url($"/console/sessions?client={acme}&tag=user-live"));
        await WaitUntilLiveAsync(page);
        await Expect(rows).ToHaveCountAsync(1);
        await rows.First.GetByRole(AriaRole.Button, new() { Name = "Copy talk URL" }).ClickAsync();
        var url = page.GetByLabel("Talk URL", new() { Exact = false });
        await Expect(url).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("/chat/wky_[a-z0-9]{56}$"));
        var talkUrl = await url.InputValueAsync();
        Assert.NotEqual(live.TalkUrl, talkUrl);
        using var talk = await Parley.Anonymous.GetAsync(talkUrl, Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, talk.StatusCode);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Markup_in_tags_context_and_messages_shows_as_text_in_portuguese_and_the_keyboard_does_it_all()
    {
        var alerts = 0;
        var page = await OpenPageAsync(locale: "pt-BR");
        page.Dialog += (_, dialog) =>
        {
            alerts++;
            _ = dialog.DismissAsync();
        };
        await SignInAsync(page, path: $"/console/login?returnUrl=%2Fconsole%2Fsessions%3Fclient%3D{billing}");
        await WaitUntilLiveAsync(page);
        var rows = page.Locator(Rows);
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First.Locator(".insight-tag")).ToHaveTextAsync(Markup);
        await Expect(rows.First.Locator(".insight-preview")).ToHaveTextAsync(Markup);
        Assert.Equal(0, await page.Locator(".insight-grid img, .insight-grid script").CountAsync());
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Páginas" }).GetByRole(AriaRole.Status)).ToHaveTextAsync("Página 1 de 1 · 1 sessões");
        await SaveScreenshotAsync("sessions-pt-BR");

        // Keyboard only: to the client choice, pick Acme, on to the tag filter, type, Enter.
        await page.GetByLabel("Cliente de chat").FocusAsync();
        await page.Keyboard.PressAsync("ArrowUp");
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Páginas" }).GetByRole(AriaRole.Status)).ToContainTextAsync("10.000 sessões");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Tag começa com")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("user-0000");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Páginas" }).GetByRole(AriaRole.Status)).ToHaveTextAsync("Página 1 de 1 · 10 sessões");
        Assert.Equal(0, alerts);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task An_agent_uses_sessions_and_sees_no_usage_link()
    {
        await Parley.CreateOperatorAsync("ana", Password, role: "agent", displayName: "Ana Lima");
        var page = await OpenPageAsync();
        await SignInAsync(page, "ana", path: "/console/login?returnUrl=%2Fconsole%2Fsessions");
        await WaitUntilLiveAsync(page);
        await Expect(page.Locator(Rows)).ToHaveCountAsync(25);
        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Parley" });
        await Expect(nav.GetByRole(AriaRole.Link)).ToHaveTextAsync(["Chats", "Sessions", "Logs", "Feedback"]);
        AssertNoConsoleErrors();
    }
}
