using Parley.Testing.Research;
using Parley.Testing.Upstream;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.TalkPage;

/// <summary>A reply that searches the web, as the user and an operator see it: what it is doing, then its sources.</summary>
public sealed class ResearchPageTests(BrowserFixture browser) : BrowserTest(browser)
{
    [Fact]
    public async Task A_searched_answer_says_it_is_searching_and_ends_with_its_sources_on_the_page_and_in_the_console()
    {
        await using var search = await FakeSearch.StartAsync();
        search.Delay = TimeSpan.FromSeconds(1.5);
        var gateway = await Parley.CreateGatewayAsync(new
        {
            baseAddress = Parley.Upstream.BaseAddress, apiKey = "sk-upstream-secret-123456", modelName = "gpt-4o-mini",
            webSearch = new { provider = "searxng", baseAddress = search.BaseAddress },
        });
        var session = await Parley.CreateSessionAsync(await Parley.CreateChatClientAsync(gateway));
        Parley.Upstream.Enqueue(ScriptedReply.CallTools(new ScriptedToolCall("web_search", """{"query":"Parley release"}""")));
        Parley.Upstream.Enqueue(ScriptedReply.Text("Parley 2.0 came out on Monday."));

        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await page.Locator("#parley-input").FillAsync("When did Parley 2.0 come out?");
        await page.Locator("#parley-input").PressAsync("Enter");

        var reply = page.Locator(".parley-message-assistant");
        await Expect(reply.Locator(".parley-tool")).ToHaveTextAsync("Searching the web for “Parley release”");
        await SaveScreenshotAsync("talk-research-searching");
        await Expect(reply.Locator(".parley-bubble")).ToHaveTextAsync("Parley 2.0 came out on Monday.");
        await Expect(reply.Locator(".parley-tool")).ToHaveCountAsync(0);
        var sources = reply.GetByRole(AriaRole.List, new() { Name = "Sources" }).GetByRole(AriaRole.Link);
        await Expect(sources).ToHaveCountAsync(3);
        await Expect(sources.First).ToHaveTextAsync("Parley 2.0 released");
        await Expect(sources.First).ToHaveAttributeAsync("href", "https://example.org/news/parley-2");
        await SaveScreenshotAsync("talk-research-sources");

        // After a reload the sources come from the stored reply.
        await page.ReloadAsync();
        await Expect(page.Locator(".parley-message-assistant .parley-sources a")).ToHaveCountAsync(3);
        AssertNoConsoleErrors();

        // The operator sees which tools the reply used, and its sources.
        var console = await OpenPageAsync();
        await Console.ConsoleLogin.SignInWithAdminKeyAsync(console, Parley);
        await console.Locator(".session-row").ClickAsync();
        await console.Locator(".chat-tools summary").ClickAsync();
        await Expect(console.Locator(".chat-tools li")).ToHaveTextAsync("web_search Found 3 results");
        await Expect(console.Locator(".chat-sources a").First).ToHaveTextAsync("Parley 2.0 released");
        await SaveScreenshotAsync("chats-research", console);
    }
}
