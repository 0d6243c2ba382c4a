using Parley.Sessions;
using Parley.Testing;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.Console;

/// <summary>The Usage page against seeded messages: totals, charts and their tables, the CSV download, both languages, admins only.</summary>
public sealed class UsageTests(BrowserFixture browser) : ConsoleTest(browser)
{
    const string Markup = "<img src=x onerror=alert(1)>";

    static DateTime Day(int day, int hour = 10) => new(2026, 3, day, hour, 0, 0, DateTimeKind.Utc);

    Guid heavy;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var gateway = await Parley.CreateGatewayAsync();
        var acme = await InsightSeed.ClientAsync(Parley, "Acme Support", gateway);
        var billing = await InsightSeed.ClientAsync(Parley, "Billing " + Markup, gateway);
        await InsightSeed.SessionAsync(Parley, acme, Day(1), "user-1", SessionChannels.Web, null,
            new SeedMessage(MessageRole.User, "Where is my parcel?", Day(1)),
            new SeedMessage(MessageRole.Assistant, "It ships tomorrow.", Day(1, 11), 100, 20));
        await InsightSeed.SessionAsync(Parley, acme, Day(2), Markup, SessionChannels.Telegram, null,
            new SeedMessage(MessageRole.User, "Can I change my address?", Day(2)),
            new SeedMessage(MessageRole.Assistant, "Yes.", Day(2, 11), 200, 50),
            new SeedMessage(MessageRole.Assistant, "Let me che", Day(3), 10, 0, MessageStatus.Incomplete, "provider_error"));
        heavy = await InsightSeed.SessionAsync(Parley, billing, Day(2), "user-1", SessionChannels.Console, null,
            new SeedMessage(MessageRole.User, "I want a refund", Day(2, 12)),
            new SeedMessage(MessageRole.Assistant, "Refunds take five days.", Day(2, 13), 1300, 30));
        await InsightSeed.SessionAsync(Parley, billing, Day(5), null, SessionChannels.Web, null,
            new SeedMessage(MessageRole.Assistant, "later", Day(5), 999, 999));
    }

    [Fact]
    public async Task The_totals_charts_and_tables_add_up_the_seeded_messages_of_the_range()
    {
        var page = await OpenPageAsync();
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Fusage");
        await WaitUntilLiveAsync(page);
        await page.GetByLabel("From", new() { Exact = true }).FillAsync("2026-03-01");
        await page.GetByLabel("To", new() { Exact = true }).FillAsync("2026-03-03");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();

        await Expect(page.Locator("[data-total=messages]")).ToHaveTextAsync("7");
        await Expect(page.Locator("[data-total=inputTokens]")).ToHaveTextAsync("1,610");
        await Expect(page.Locator("[data-total=outputTokens]")).ToHaveTextAsync("100");
        await Expect(page.Locator("[data-total=sessions]")).ToHaveTextAsync("3");
        await Expect(page.Locator("#usage-day")).ToHaveAttributeAsync("data-drawn", "3");
        await Expect(page.Locator("#usage-client")).ToHaveAttributeAsync("data-drawn", "2");
        await Expect(page.Locator("#usage-channel")).ToHaveAttributeAsync("data-drawn", "3");
        await Expect(page.Locator("#usage-tag")).ToHaveAttributeAsync("data-drawn", "2");
        await SaveScreenshotAsync("usage");

        var perDay = page.GetByRole(AriaRole.Figure, new() { Name = "Per day" });
        await perDay.GetByText("The figures").ClickAsync();
        await Expect(perDay.Locator("tbody tr")).ToHaveTextAsync([
            new System.Text.RegularExpressions.Regex(@"3/1/2026\s*100\s*20\s*2"),
            new System.Text.RegularExpressions.Regex(@"3/2/2026\s*1,500\s*80\s*4"),
            new System.Text.RegularExpressions.Regex(@"3/3/2026\s*10\s*0\s*1"),
        ]);
        var perClient = page.GetByRole(AriaRole.Figure, new() { Name = "Per chat client" });
        await perClient.GetByText("The figures").ClickAsync();
        await Expect(perClient.Locator("tbody th")).ToHaveTextAsync(["Billing " + Markup, "Acme Support"]);
        var tags = page.GetByRole(AriaRole.Figure, new() { Name = "Top tags by tokens" });
        await tags.GetByText("The figures").ClickAsync();
        await Expect(tags.Locator("tbody th")).ToHaveTextAsync(["user-1", Markup]);
        Assert.Equal(0, await page.Locator(".insight-page img").CountAsync());
        var top = page.GetByRole(AriaRole.Region, new() { Name = "Top sessions by tokens" });
        await Expect(top.Locator("tbody tr").First).ToContainTextAsync("1,330");
        await Expect(top.Locator("tbody tr a").First).ToHaveAttributeAsync("href", $"/console/chats?session={heavy}");
        await SaveScreenshotAsync("usage-figures");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Per channel (CSV)" }).ClickAsync());
        var csv = await File.ReadAllLinesAsync(await download.PathAsync(), Ct);
        Assert.Equal(["channel,label,messages,inputTokens,outputTokens", "console,console,2,1300,30", "telegram,telegram,3,210,50",
            "web,web,2,100,20", "total,,7,1610,100"], csv);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task In_portuguese_with_the_keyboard_and_agents_kept_out()
    {
        var page = await OpenPageAsync(locale: "pt-BR");
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Fusage");
        await WaitUntilLiveAsync(page);
        // The dates' fields take typing segment by segment; Enter in a field shows the range.
        await page.GetByLabel("De", new() { Exact = true }).FillAsync("2026-03-01");
        await page.GetByLabel("Até", new() { Exact = true }).FillAsync("2026-03-03");
        await page.GetByLabel("Até", new() { Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-total=inputTokens]")).ToHaveTextAsync("1.610");
        await Expect(page.Locator("#usage-day")).ToHaveAttributeAsync("data-drawn", "3");
        await SaveScreenshotAsync("usage-pt-BR");

        await page.GetByLabel("De", new() { Exact = true }).FillAsync("2024-01-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Mostrar" }).ClickAsync();
        await Expect(page.Locator(".console-status")).ToHaveTextAsync("Escolha um período de até 366 dias que termine depois de começar.");
        AssertNoConsoleErrors();

        await Parley.CreateOperatorAsync("ana", Password, role: "agent", displayName: "Ana Lima");
        var agent = await OpenPageAsync();
        await SignInAsync(agent, "ana");
        await agent.GotoAsync(Url("/console/usage"));
        await Expect(agent).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/denied"));
        using var csv = await Parley.Anonymous.GetAsync("/console/usage/export", Ct);
        Assert.NotEqual(System.Net.HttpStatusCode.OK, csv.StatusCode);
    }
}
