using Parley.Testing.Upstream;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.TalkPage;

/// <summary>What the end user sees when a person of the business takes their conversation over, and hands it back.</summary>
public sealed class PersonAnsweringTests(BrowserFixture browser) : BrowserTest(browser)
{
    [Theory]
    [InlineData("en", "Marina from the team is answering you.")]
    [InlineData("pt-BR", "Marina, da equipe, está respondendo você.")]
    public async Task A_person_taking_over_is_announced_and_their_messages_arrive_live_under_their_name(string language, string banner)
    {
        var client = await Parley.CreateChatClientAsync(clientParameters: new { languageCode = language });
        var session = await Parley.CreateSessionAsync(client);
        var path = $"/api/v1/web-chat-client/{client}/sessions/{session.SessionId}";
        Parley.Upstream.Enqueue(ScriptedReply.Text("I am the assistant."));
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await page.Locator("#parley-input").FillAsync("hello");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".parley-message-assistant .parley-feedback")).ToBeVisibleAsync();

        (await Parley.Admin.PostAsJsonAsync($"{path}/takeover", new { name = "Marina" }, Ct)).EnsureSuccessStatusCode();
        await Expect(page.Locator(".parley-person")).ToHaveTextAsync(banner);
        await page.Locator("#parley-input").FillAsync("I would like to talk to a person");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".parley-message-user")).ToHaveCountAsync(2);
        (await Parley.Admin.PostAsJsonAsync($"{path}/messages", new { content = "Hi, I am **Marina**. <script>alert(1)</script>" }, Ct))
            .EnsureSuccessStatusCode();

        var answer = page.Locator(".parley-message-operator");
        await Expect(answer.Locator(".parley-author")).ToHaveTextAsync("Marina");
        await Expect(answer.Locator(".parley-bubble strong")).ToHaveTextAsync("Marina");
        await Expect(answer.Locator(".parley-bubble")).ToContainTextAsync("<script>alert(1)</script>");
        // No reply of the assistant was asked for, and none is shown being written.
        await Expect(page.Locator(".parley-pending")).ToHaveCountAsync(0);
        Assert.Single(Parley.Upstream.Requests);
        await SaveScreenshotAsync($"talk-person-answering-{language}");

        (await Parley.Admin.DeleteAsync($"{path}/takeover", Ct)).EnsureSuccessStatusCode();
        await Expect(page.Locator(".parley-person")).ToBeHiddenAsync();
        await page.ReloadAsync();
        await Expect(page.Locator(".parley-message-operator .parley-author")).ToHaveTextAsync("Marina");
        AssertNoConsoleErrors();
    }
}
