using Parley.Testing.Upstream;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.Console;

/// <summary>
/// The Chats workspace as it follows what happens elsewhere: messages that end users send through the session API or
/// the talk page, and a person of the business taking a conversation over and handing it back.
/// </summary>
public sealed class LiveChatsTests(BrowserFixture browser) : ConsoleTest(browser)
{
    [Fact]
    public async Task A_message_sent_through_the_session_API_appears_in_the_list_and_streams_into_the_open_chat()
    {
        var client = await Parley.CreateChatClientAsync();
        var older = await Parley.CreateSessionAsync(client, new { tag = "older-user" });
        var newer = await Parley.CreateSessionAsync(client, new { tag = "newer-user" });
        var page = await OpenPageAsync();
        await page.SignInWithAdminKeyAsync(Parley);
        var rows = page.Locator(".session-row");
        await Expect(rows.First.Locator(".session-tag")).ToContainTextAsync("newer-user");
        await rows.Nth(1).ClickAsync();
        await Expect(page.Locator(".chat-panel")).ToContainTextAsync("older-user");

        // A message in a session that is not open: its row moves to the top, with the message and the unread mark.
        Parley.Clock.Advance(TimeSpan.FromMinutes(1));
        Parley.Upstream.Enqueue(ScriptedReply.Text("It ships tomorrow."));
        var asked = await Parley.SendAsync(newer.AccessKey, "Where is my <b>order</b>?", Ct);
        Assert.Equal("It ships tomorrow.", asked.Text);
        await Expect(rows.First.Locator(".session-tag")).ToContainTextAsync("newer-user");
        await Expect(rows.First.Locator(".session-preview")).ToHaveTextAsync("It ships tomorrow.");
        await Expect(rows.First.Locator(".session-unread")).ToHaveCountAsync(1);

        // A message in the open session: the user's words, then the reply streaming in, and the row stays read.
        Parley.Clock.Advance(TimeSpan.FromMinutes(1));
        var scripted = ScriptedReply.Text("One. ", "Two. ", "Three. ", "Four. ", "Five.") with { HoldAfterTokens = 2, TokenDelay = TimeSpan.FromMilliseconds(200) };
        Parley.Upstream.Enqueue(scripted);
        using var stream = await Parley.OpenStreamAsync($"/api/v1/chat/{older.AccessKey}/messages", new { content = "Count to five" }, Ct);
        await Expect(page.Locator(".chat-user .chat-bubble")).ToHaveTextAsync("Count to five");
        var reply = page.Locator(".chat-assistant .chat-bubble");
        await Expect(reply).ToHaveTextAsync("One. Two.");
        scripted.Release.SetResult();
        await Expect(reply).ToHaveTextAsync("One. Two. Three. Four. Five.");
        await Expect(rows.First.Locator(".session-tag")).ToContainTextAsync("older-user");
        await Expect(rows.First.Locator(".session-unread")).ToHaveCountAsync(0);
        await Expect(rows.Nth(1).Locator(".session-unread")).ToHaveCountAsync(1);

        // Read back after a reload, the live view was the stored one.
        await page.ReloadAsync();
        await Expect(rows.First.Locator(".session-tag")).ToContainTextAsync("older-user");
        await rows.First.ClickAsync();
        await Expect(page.Locator(".chat-assistant .chat-bubble")).ToHaveTextAsync("One. Two. Three. Four. Five.");
        await SaveScreenshotAsync("console-chats-live");
        AssertNoConsoleErrors();
    }

    [Theory]
    [InlineData("en", "Take over", "Hand back", "Marina is answering this user; the assistant is paused until “Hand back”.", "Marina from the team is answering you.")]
    [InlineData("pt-BR", "Assumir", "Devolver ao assistente",
        "Marina está respondendo este usuário; o assistente está pausado até “Devolver ao assistente”.", "Marina, da equipe, está respondendo você.")]
    public async Task Taking_over_and_handing_back_is_seen_on_the_talk_page(
        string language, string takeOver, string handBack, string consoleBanner, string talkBanner)
    {
        var client = await Parley.CreateChatClientAsync(clientParameters: new { languageCode = language });
        var session = await Parley.CreateSessionAsync(client);
        await Parley.CreateOperatorAsync("marina", Password, displayName: "Marina");
        Parley.Upstream.Enqueue(ScriptedReply.Text("I am the assistant."));
        var talk = await OpenPageAsync();
        await talk.GotoAsync(session.TalkUrl);
        await talk.Locator("#parley-input").FillAsync("hello");
        await talk.Keyboard.PressAsync("Enter");
        await Expect(talk.Locator(".parley-message-assistant .parley-feedback")).ToBeVisibleAsync();

        var console = await OpenPageAsync(locale: language);
        await SignInAsync(console, "marina", path: "/console/chats");
        await WaitUntilLiveAsync(console);
        await console.Locator(".session-row").ClickAsync();
        var message = console.GetByRole(AriaRole.Textbox, new() { Name = language == "en" ? "Message" : "Mensagem" });
        // Somebody else's conversation is only watched until it is taken over.
        await Expect(message).ToBeDisabledAsync();
        await console.GetByRole(AriaRole.Button, new() { Name = takeOver }).ClickAsync();
        await Expect(console.Locator(".chat-person")).ToHaveTextAsync(consoleBanner);
        await Expect(talk.Locator(".parley-person")).ToHaveTextAsync(talkBanner);

        // The user's message waits for the person, who sees it come in and answers under their own name.
        await talk.Locator("#parley-input").FillAsync("I need a <i>person</i>");
        await talk.Keyboard.PressAsync("Enter");
        await Expect(console.Locator(".chat-user .chat-bubble").Last).ToHaveTextAsync("I need a <i>person</i>");
        await message.FillAsync("Hi, I am **Marina**. <img src=x onerror=alert(1)>");
        await message.PressAsync("Enter");
        var answer = talk.Locator(".parley-message-operator");
        await Expect(answer.Locator(".parley-author")).ToHaveTextAsync("Marina");
        await Expect(answer.Locator(".parley-bubble strong")).ToHaveTextAsync("Marina");
        await Expect(answer.Locator(".parley-bubble")).ToContainTextAsync("<img src=x onerror=alert(1)>");
        await Expect(console.Locator(".chat-operator .chat-who span")).ToHaveTextAsync("Marina");
        await Expect(console.Locator(".session-person")).ToBeVisibleAsync();
        Assert.Single(Parley.Upstream.Requests);
        await SaveScreenshotAsync($"console-chats-taken-over-{language}", console);

        // Handed back, the assistant answers the next message, knowing what the person said; the console sees it live.
        await console.GetByRole(AriaRole.Button, new() { Name = handBack }).ClickAsync();
        await Expect(talk.Locator(".parley-person")).ToBeHiddenAsync();
        await Expect(console.Locator(".chat-person")).ToHaveCountAsync(0);
        await Expect(message).ToBeDisabledAsync();
        Parley.Upstream.Enqueue(ScriptedReply.Text("Glad Marina could help."));
        await talk.Locator("#parley-input").FillAsync("thanks");
        await talk.Keyboard.PressAsync("Enter");
        await Expect(console.Locator(".chat-assistant .chat-bubble").Last).ToHaveTextAsync("Glad Marina could help.");
        Assert.Contains(("assistant", "Hi, I am **Marina**. <img src=x onerror=alert(1)>"), Parley.Upstream.Requests[^1].Messages);
        AssertNoConsoleErrors();
    }
}
