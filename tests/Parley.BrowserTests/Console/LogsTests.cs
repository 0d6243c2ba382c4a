using System.Text.Json;
using Parley.Sessions;
using Parley.Testing;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.Console;

/// <summary>The Logs and Feedback pages: filters, a filtered JSONL download read back, the thumbs down and their comments.</summary>
public sealed class LogsTests(BrowserFixture browser) : ConsoleTest(browser)
{
    const string Markup = "<img src=x onerror=alert(1)><b>bold</b>";
    static readonly DateTime Day = new(2026, 3, 2, 10, 0, 0, DateTimeKind.Utc);

    Guid acme;
    Guid failed;
    Guid rated;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var gateway = await Parley.CreateGatewayAsync();
        acme = await InsightSeed.ClientAsync(Parley, "Acme Support", gateway);
        var billing = await InsightSeed.ClientAsync(Parley, "Billing Bot", gateway);
        rated = await InsightSeed.SessionAsync(Parley, acme, Day, "user-1", SessionChannels.Web, null,
            new SeedMessage(MessageRole.User, "Where is my parcel?", Day),
            new SeedMessage(MessageRole.Assistant, "It ships " + Markup, Day.AddMinutes(1), 100, 20, Feedback: "down", FeedbackComment: "Too vague " + Markup));
        failed = await InsightSeed.SessionAsync(Parley, acme, Day.AddDays(1), "user-2", SessionChannels.Telegram, null,
            new SeedMessage(MessageRole.User, "Can I change my address?", Day.AddDays(1)),
            new SeedMessage(MessageRole.Assistant, "Let me che", Day.AddDays(1).AddMinutes(1), 10, 0, MessageStatus.Incomplete, "provider_error"));
        await InsightSeed.SessionAsync(Parley, billing, Day.AddDays(2), "user-3", SessionChannels.Console, null,
            new SeedMessage(MessageRole.User, "I want a refund", Day.AddDays(2)),
            new SeedMessage(MessageRole.Assistant, "Refunds take five days.", Day.AddDays(2).AddMinutes(1), 300, 30));
    }

    [Fact]
    public async Task Filtered_logs_download_as_jsonl_with_only_the_conversations_shown()
    {
        var page = await OpenPageAsync();
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Flogs");
        await WaitUntilLiveAsync(page);
        var rows = page.Locator(".insight-grid tbody tr.insight-row");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.Nth(2)).ToContainTextAsync("It ships " + Markup);
        Assert.Equal(0, await page.Locator(".insight-grid img, .insight-grid b").CountAsync());
        await SaveScreenshotAsync("logs");

        await page.GetByLabel("Has an error").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync("user-2");
        await Expect(rows.First).ToContainTextAsync("incomplete");
        await SaveScreenshotAsync("logs-filtered");

        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "Download messages (JSONL)" }).ClickAsync());
        var lines = (await File.ReadAllLinesAsync(await download.PathAsync(), Ct)).Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal(failed, l.GetProperty("sessionId").GetGuid()));
        Assert.Equal(["Can I change my address?", "Let me che"], lines.Select(l => l.GetProperty("message").GetProperty("content").GetString()));
        Assert.Equal("provider_error", lines[1].GetProperty("message").GetProperty("errorCode").GetString());

        // Keyboard only: the client filter, a channel, and Enter in the search box.
        await page.GetByLabel("Has an error").UncheckAsync();
        await page.GetByLabel("Search text").FocusAsync();
        await page.Keyboard.TypeAsync("refund");
        await page.Keyboard.PressAsync("Enter");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync("Billing Bot");
        await rows.First.GetByRole(AriaRole.Link, new() { Name = "Open in Chats" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/chats\\?session="));
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Chat" })).ToContainTextAsync("Refunds take five days.");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Feedback_lists_thumbs_down_with_their_comments_and_links_to_the_conversation_in_portuguese()
    {
        var page = await OpenPageAsync(locale: "pt-BR");
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Ffeedback");
        await WaitUntilLiveAsync(page);
        var rows = page.Locator(".insight-grid tbody tr.insight-row");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First.Locator(".insight-comment")).ToHaveTextAsync("Too vague " + Markup);
        await Expect(rows.First.Locator(".insight-message")).ToHaveTextAsync("It ships " + Markup);
        await Expect(rows.First).ToContainTextAsync("Acme Support");
        Assert.Equal(0, await page.Locator(".insight-grid img, .insight-grid b").CountAsync());
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Páginas" }).GetByRole(AriaRole.Status)).ToHaveTextAsync("Página 1 de 1 · 1 avaliações");
        await SaveScreenshotAsync("feedback-pt-BR");

        await rows.First.GetByRole(AriaRole.Link, new() { Name = "Abrir conversa" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/console/chats\\?session={rated}"));
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Conversa" }).Or(page.Locator(".chats-chat"))).ToContainTextAsync("Where is my parcel?");
        AssertNoConsoleErrors();
    }
}
