using System.Net;
using System.Text.RegularExpressions;
using Parley.Testing.Channels;
using Parley.Testing.Upstream;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.TalkPage;

/// <summary>"Continue on your phone": a web conversation moves to Telegram through a link or its QR code.</summary>
public sealed class ContinueOnPhoneTests(BrowserFixture browser) : BrowserTest(browser)
{
    [Theory]
    [InlineData("en", "Continue on your phone", "Continue on Telegram")]
    [InlineData("pt-BR", "Continuar no celular", "Continuar no Telegram")]
    public async Task The_talk_page_offers_a_telegram_link_and_qr_code_that_carry_the_conversation_over(
        string language, string button, string link)
    {
        await using var telegram = await FakeTelegram.StartAsync();
        telegram.Bot = telegram.Bot with { Username = "acme_help_bot" };
        var client = await Parley.CreateChatClientAsync(clientParameters: new { languageCode = language });
        using var created = await Parley.Admin.PostAsJsonAsync($"/api/v1/web-chat-client/{client}/integrations", new
        {
            type = "telegram",
            botToken = telegram.Token,
            apiBaseAddress = telegram.BaseAddress.ToString().TrimEnd('/'),
            debounceMilliseconds = 0,
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var session = await Parley.CreateSessionAsync(client);
        Parley.Upstream.Enqueue(ScriptedReply.Text("We open at nine."));
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await page.Locator("#parley-input").FillAsync("When do you open?");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".parley-message-assistant .parley-feedback")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = button }).ClickAsync();
        var anchor = page.GetByRole(AriaRole.Link, new() { Name = link });
        await Expect(anchor).ToHaveAttributeAsync("href", new Regex(@"^https://t\.me/acme_help_bot\?start=go-[a-z0-9]{12}$"));
        await Expect(page.Locator(".parley-continue-link img")).ToHaveAttributeAsync("alt", new Regex("Telegram"));
        await SaveScreenshotAsync($"talk-continue-{language}");

        // The code from the link, sent to the bot as Telegram does with a start link, binds the chat to this conversation.
        var code = (await anchor.GetAttributeAsync("href"))!.Split("start=")[1];
        Assert.Equal(HttpStatusCode.OK, await telegram.DeliverAsync(TelegramUpdates.Start(TelegramUser.Alice, code), Ct));
        await telegram.WaitForCallAsync("sendMessage", 1, TimeSpan.FromSeconds(30));
        Parley.Upstream.Enqueue(ScriptedReply.Text("Yes, on Saturdays too."));
        Assert.Equal(HttpStatusCode.OK, await telegram.DeliverAsync(TelegramUpdates.Text(TelegramUser.Alice, "And on Saturdays?"), Ct));
        await telegram.WaitForCallAsync("sendMessage", 2, TimeSpan.FromSeconds(30));

        Assert.Equal(
        [
            ("user", "When do you open?"),
            ("assistant", "We open at nine."),
            ("user", "And on Saturdays?"),
        ], Parley.Upstream.Requests[^1].Messages);
        await page.ReloadAsync();
        await Expect(page.Locator(".parley-message-user .parley-bubble").Last).ToHaveTextAsync("And on Saturdays?");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task A_client_on_no_chat_app_shows_no_continue_button()
    {
        var session = await Parley.CreateSessionAsync();
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);

        await Expect(page.Locator("#parley-input")).ToBeVisibleAsync();
        await Expect(page.Locator(".parley-continue")).ToHaveCountAsync(0);
    }
}
