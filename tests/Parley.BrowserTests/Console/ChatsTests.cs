using Parley.Testing.Upstream;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.Console;

/// <summary>The Chats workspace, as an operator uses it.</summary>
public sealed class ChatsTests(BrowserFixture browser) : BrowserTest(browser)
{
    [Fact]
    public async Task New_chat_streams_the_reply_after_a_typing_indicator_and_shows_the_messages_status()
    {
        await CreateClientAsync("Ada Support");
        await CreateClientAsync("Billing Bot");
        var page = await OpenPageAsync();
        await page.SignInWithAdminKeyAsync(Parley);
        await SaveScreenshotAsync("chats-empty");

        await page.GetByRole(AriaRole.Button, new() { Name = "New chat" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Start a chat with…");
        await Expect(dialog.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(2);
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Billing Bot" })).ToBeVisibleAsync();
        await SaveScreenshotAsync("chats-new-chat");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Ada Support" }).ClickAsync();

        Parley.Upstream.Enqueue(ScriptedReply.Text("Our ", "store ", "opens ", "at nine.") with
        {
            FirstTokenDelay = TimeSpan.FromSeconds(1.5), TokenDelay = TimeSpan.FromMilliseconds(400),
        });
        var message = page.GetByLabel("Message", new() { Exact = true });
        await Expect(message).ToBeFocusedAsync();
        await message.FillAsync("When do you open?");
        await message.PressAsync("Enter");

        var status = page.Locator(".chat-user .chat-status");
        await Expect(page.Locator(".chat-typing")).ToHaveTextAsync("Ada Support is typing…");
        await Expect(status).ToHaveTextAsync("Sent");
        await SaveScreenshotAsync("chats-typing");
        var reply = page.Locator(".chat-assistant .chat-bubble");
        await Expect(reply).ToContainTextAsync("Our store");
        Assert.DoesNotContain("nine", await reply.TextContentAsync());
        await Expect(status).ToHaveTextAsync("Delivered");
        await Expect(page.Locator(".chat-typing")).ToHaveCountAsync(0);
        await Expect(reply).ToHaveTextAsync("Our store opens at nine.");
        await Expect(status).ToHaveTextAsync("Read");
        await Expect(status).ToHaveAttributeAsync("aria-live", "polite");
        await SaveScreenshotAsync("chats-replied");

        var row = page.GetByRole(AriaRole.Region, new() { Name = "Sessions" }).Locator(".session-row");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.Locator(".session-preview")).ToHaveTextAsync("Our store opens at nine.");
        await Expect(row.Locator(".session-channel")).ToHaveTextAsync("Console");
        await Expect(row.Locator(".session-unread")).ToHaveCountAsync(0);
        Assert.Equal("When do you open?", Parley.Upstream.Requests[^1].Messages[^1].Content);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task The_list_finds_sessions_by_tag_assistant_and_message_text_and_the_chat_marks_what_it_finds()
    {
        var acme = await CreateClientAsync("Acme Support");
        var billing = await CreateClientAsync("Billing Bot");
        var parcel = await Parley.CreateSessionAsync(acme, new { tag = "order-4711" });
        Parley.Upstream.Enqueue(ScriptedReply.Text("Your parcel ships ", "**tomorrow**; the parcel number is `PX-1`."));
        await Parley.SendAsync(parcel.AccessKey, "Where is my parcel?", Ct);
        var refund = await Parley.CreateSessionAsync(billing, new { tag = "user-42" });
        await Parley.SendAsync(refund.AccessKey, "I want a refund", Ct);
        var page = await OpenPageAsync();
        await page.SignInWithAdminKeyAsync(Parley);

        var sessions = page.GetByRole(AriaRole.Region, new() { Name = "Sessions" });
        var rows = sessions.Locator(".session-row");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Locator(".session-unread")).ToHaveCountAsync(2);
        await SaveScreenshotAsync("chats-list");
        var search = page.GetByLabel("Search sessions");
        await search.FillAsync("4711");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows).ToContainTextAsync("order-4711");
        await search.FillAsync("billing");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.Locator(".session-name")).ToHaveTextAsync("Billing Bot");
        await search.FillAsync("tomorr");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.Locator(".session-name")).ToHaveTextAsync("Acme Support");
        await search.FillAsync("nowhere to be found");
        await Expect(rows).ToHaveCountAsync(0);
        await Expect(sessions).ToContainTextAsync("No sessions match “nowhere to be found”.");
        await search.FillAsync("parcel");
        await Expect(rows).ToHaveCountAsync(1);

        await rows.ClickAsync();
        await Expect(rows.Locator(".session-unread")).ToHaveCountAsync(0);
        await page.GetByLabel("Search in this chat").FillAsync("PARCEL");
        var marks = page.Locator(".chat-log mark");
        await Expect(marks).ToHaveTextAsync(["parcel", "parcel", "parcel"]);
        await Expect(page.Locator(".chat-matches")).ToHaveTextAsync("3 matches");
        await Expect(page.Locator(".chat-assistant strong")).ToHaveTextAsync("tomorrow");
        await page.GetByLabel("Search in this chat").FillAsync("px-1");
        await Expect(page.Locator(".chat-assistant code mark")).ToHaveTextAsync("PX-1");
        await Expect(page.Locator(".chat-matches")).ToHaveTextAsync("1 match");
        await SaveScreenshotAsync("chats-search");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task A_session_opened_while_its_reply_is_generated_shows_the_reply_streaming_in()
    {
        var session = await Parley.CreateSessionAsync(await CreateClientAsync("Ada Support"));
        var reply = ScriptedReply.Text("One. ", "Two. ", "Three. ", "Four. ", "Five.") with { HoldAfterTokens = 2, TokenDelay = TimeSpan.FromMilliseconds(200) };
        Parley.Upstream.Enqueue(reply);
        using var stream = await Parley.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/messages", new { content = "Count to five" }, Ct);
        var page = await OpenPageAsync();
        await page.SignInWithAdminKeyAsync(Parley);

        await page.Locator(".session-row").ClickAsync();
        var bubble = page.Locator(".chat-assistant .chat-bubble");
        await Expect(bubble).ToHaveTextAsync("One. Two.");
        reply.Release.SetResult();
        await Expect(bubble).ToContainTextAsync("Three.");
        await Expect(bubble).ToHaveTextAsync("One. Two. Three. Four. Five.");
        await Expect(page.Locator(".chat-user .chat-bubble")).ToHaveTextAsync("Count to five");
        // Somebody else's conversation: their messages carry no delivery status of the operator's.
        await Expect(page.Locator(".chat-status")).ToHaveCountAsync(0);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task A_client_that_masks_personal_data_shows_operators_phones_emails_and_cards_masked_even_while_streaming()
    {
        var session = await Parley.CreateSessionAsync(await CreateClientAsync("Privacy desk", new { maskPersonalData = true }));
        Parley.Upstream.Enqueue(ScriptedReply.Text("We will write to ", "ana@", "example.com and call ", "+55 11 98765-", "4321.")
            with { TokenDelay = TimeSpan.FromMilliseconds(300) });
        using var stream = await Parley.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/messages",
            new { content = "I am ana@example.com, card 4111 1111 1111 1111" }, Ct);
        var page = await OpenPageAsync();
        await page.SignInWithAdminKeyAsync(Parley);

        await Expect(page.Locator(".session-row")).Not.ToContainTextAsync("ana@example.com");
        await page.Locator(".session-row").ClickAsync();
        var reply = page.Locator(".chat-assistant .chat-bubble");
        await Expect(reply).ToHaveTextAsync("We will write to a•••@example.com and call +•• •• •••••-••21.");
        await Expect(page.Locator(".chat-user .chat-bubble")).ToHaveTextAsync("I am a•••@example.com, card •••• •••• •••• 1111");
        Assert.DoesNotContain("ana@example.com", await page.ContentAsync(), StringComparison.Ordinal);
        await SaveScreenshotAsync("console-chats-masked");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task A_client_in_privacy_mode_says_so_on_the_talk_page_and_in_the_console()
    {
        var session = await Parley.CreateSessionAsync(await CreateClientAsync("Private desk", new { privacyMode = true }));
        Parley.Upstream.Enqueue(ScriptedReply.Text("Your balance is 12.40."));
        var talk = await OpenPageAsync();
        await talk.GotoAsync(session.TalkUrl);
        await Expect(talk.Locator(".parley-privacy")).ToHaveTextAsync(
            "Private conversation: what you write here is not stored, and it is gone when this conversation ends.");
        await talk.Locator("#parley-input").FillAsync("What is my balance?");
        await talk.Keyboard.PressAsync("Enter");
        await Expect(talk.Locator(".parley-message-assistant .parley-bubble")).ToHaveTextAsync("Your balance is 12.40.");

        var page = await OpenPageAsync();
        await page.SignInWithAdminKeyAsync(Parley);
        await Expect(page.Locator(".session-row .session-preview")).ToHaveTextAsync("Private conversation");
        await page.Locator(".session-row").ClickAsync();
        await Expect(page.Locator(".chat-privacy")).ToContainTextAsync("Privacy mode: this conversation is kept in memory only");
        await Expect(page.Locator(".chat-user .chat-bubble")).ToHaveTextAsync("What is my balance?");
        await Expect(page.Locator(".chat-assistant .chat-bubble")).ToHaveTextAsync("Your balance is 12.40.");
        await SaveScreenshotAsync("console-chats-private");

        // After a restart the text is gone from memory: the console says what the empty messages were.
        await talk.CloseAsync();
        await page.CloseAsync();
        await Parley.RestartAsync();
        page = await OpenPageAsync();
        await page.SignInWithAdminKeyAsync(Parley);
        await page.Locator(".session-row").ClickAsync();
        await Expect(page.Locator(".chat-gone")).ToHaveCountAsync(2);
        await Expect(page.Locator(".chat-gone").First).ToHaveTextAsync("Not kept: said in privacy mode.");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Limits_and_provider_errors_are_told_in_the_operators_language()
    {
        await CreateClientAsync("Ada Support", limitingParameters: new { maxMessages = 2 });
        var page = await OpenPageAsync();
        await page.SignInWithAdminKeyAsync(Parley, "pt-BR");
        await page.GetByRole(AriaRole.Button, new() { Name = "Nova conversa" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Ada Support" }).ClickAsync();
        var message = page.GetByLabel("Mensagem", new() { Exact = true });
        await Expect(message).ToBeFocusedAsync();

        Parley.Upstream.Enqueue(ScriptedReply.Error(500, "upstream exploded"));
        Parley.Upstream.Enqueue(ScriptedReply.Error(500, "upstream exploded"));
        await message.FillAsync("primeira");
        await message.PressAsync("Enter");
        await Expect(page.Locator(".chat-assistant .chat-error")).ToHaveTextAsync("O provedor do modelo não pôde responder agora. Tente de novo.");
        await Expect(page.Locator(".chat-user .chat-status")).ToHaveTextAsync("Enviada");

        await message.FillAsync("segunda");
        await message.PressAsync("Enter");
        await Expect(page.Locator(".chat-user .chat-status").Last).ToHaveTextAsync("Lida");
        await message.FillAsync("terceira");
        await message.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Esta conversa atingiu o limite de 2 mensagens.");
        await Expect(message).ToHaveValueAsync("terceira");
        await Expect(page.Locator(".chat-user")).ToHaveCountAsync(2);
        await SaveScreenshotAsync("chats-pt-BR-limit");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Export_downloads_the_conversation_as_markdown_and_as_json_lines()
    {
        var session = await Parley.CreateSessionAsync(await CreateClientAsync("Ada Support", new { pageTitle = "ACME Help" }));
        Parley.Upstream.Enqueue(ScriptedReply.Text("We open at **nine**."));
        await Parley.SendAsync(session.AccessKey, "When do you open?", Ct);
        var page = await OpenPageAsync();
        await page.SignInWithAdminKeyAsync(Parley);
        await page.Locator(".session-row").ClickAsync();

        var markdown = await DownloadAsync(page, "Export as Markdown");
        Assert.Equal($"conversation-{session.SessionId}.md", markdown.Name);
        Assert.StartsWith("# ACME Help\n", markdown.Text, StringComparison.Ordinal);
        Assert.Contains("**User**", markdown.Text, StringComparison.Ordinal);
        Assert.Contains("When do you open?", markdown.Text, StringComparison.Ordinal);
        Assert.Contains("We open at **nine**.", markdown.Text, StringComparison.Ordinal);

        var jsonl = await DownloadAsync(page, "Export as JSONL");
        Assert.Equal($"conversation-{session.SessionId}.jsonl", jsonl.Name);
        var lines = jsonl.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["user", "assistant"], lines.Select(l => l.GetProperty("role").GetString()));
        Assert.Equal("We open at **nine**.", lines[1].GetProperty("content").GetString());

        // The download is the console's: without its sign-in (or with the API's admin key) there is none.
        using var anonymous = await Parley.Anonymous.GetAsync($"/console/sessions/{session.SessionId}/transcript?format=md", Ct);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var withApiKey = await Parley.Admin.GetAsync($"/console/sessions/{session.SessionId}/transcript?format=md", Ct);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, withApiKey.StatusCode);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Delete_asks_first_then_removes_the_session()
    {
        var session = await Parley.CreateSessionAsync(await CreateClientAsync("Ada Support"), new { tag = "to-delete" });
        await Parley.SendAsync(session.AccessKey, "hello", Ct);
        var page = await OpenPageAsync();
        await page.SignInWithAdminKeyAsync(Parley);
        var rows = page.Locator(".session-row");
        await rows.ClickAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Alertdialog);
        await Expect(dialog).ToContainTextAsync("Delete this session?");
        await Expect(dialog).ToContainTextAsync("The conversation with Ada Support and all its messages are removed for good");
        await SaveScreenshotAsync("chats-delete");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(rows).ToHaveCountAsync(1);

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(0);
        await Expect(page.Locator(".chats-empty")).ToHaveTextAsync("The session was deleted.");
        using var gone = await Parley.Admin.GetAsync($"/api/v1/web-chat-client/{session.ClientId}/sessions/{session.SessionId}", Ct);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Compare_asks_another_assistant_the_last_question_side_by_side()
    {
        await CreateClientAsync("Ada Support");
        await CreateClientAsync("Billing Bot");
        var page = await OpenPageAsync();
        await page.SignInWithAdminKeyAsync(Parley);
        await page.GetByRole(AriaRole.Button, new() { Name = "New chat" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Ada Support" }).ClickAsync();
        var compare = page.GetByRole(AriaRole.Button, new() { Name = "Compare with…" });
        await Expect(compare).ToBeDisabledAsync();
        Parley.Upstream.Enqueue(ScriptedReply.Text("Ada says: the Pro plan."));
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync("Which plan suits me?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(page.Locator(".chat-assistant .chat-bubble")).ToHaveTextAsync("Ada says: the Pro plan.");

        Parley.Upstream.Enqueue(ScriptedReply.Text("Billing says: the Basic plan.") with { TokenDelay = TimeSpan.FromMilliseconds(100) });
        await compare.ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Your last question goes to the assistant you choose");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Billing Bot" }).ClickAsync();

        var panels = page.Locator(".chat-panel");
        await Expect(panels).ToHaveCountAsync(2);
        await Expect(panels.Nth(1).Locator("h2")).ToHaveTextAsync("Billing Bot");
        await Expect(panels.Nth(1).Locator(".chat-user .chat-bubble")).ToHaveTextAsync("Which plan suits me?");
        await Expect(panels.Nth(1).Locator(".chat-assistant .chat-bubble")).ToHaveTextAsync("Billing says: the Basic plan.");
        await Expect(panels.Nth(0).Locator(".chat-assistant .chat-bubble")).ToHaveTextAsync("Ada says: the Pro plan.");
        var left = await panels.Nth(0).BoundingBoxAsync();
        var right = await panels.Nth(1).BoundingBoxAsync();
        Assert.True(right!.X >= left!.X + left.Width - 2, "The answers are side by side.");
        Assert.Equal(["Which plan suits me?", "Which plan suits me?"], Parley.Upstream.Requests.Select(r => r.Messages[^1].Content));
        await Expect(page.Locator(".session-row")).ToHaveCountAsync(2);
        await SaveScreenshotAsync("chats-compare");

        await page.GetByRole(AriaRole.Button, new() { Name = "Close comparison" }).ClickAsync();
        await Expect(panels).ToHaveCountAsync(1);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task On_a_phone_the_list_and_the_chat_are_two_views()
    {
        var session = await Parley.CreateSessionAsync(await CreateClientAsync("Ada Support"), new { tag = "phone-user" });
        await Parley.SendAsync(session.AccessKey, "Hello from the phone", Ct);
        var page = await OpenPhonePageAsync();
        await page.SignInWithAdminKeyAsync(Parley);

        var sessions = page.GetByRole(AriaRole.Region, new() { Name = "Sessions" });
        await Expect(sessions).ToBeVisibleAsync();
        await Expect(page.Locator(".chats-chat")).ToBeHiddenAsync();
        await SaveScreenshotAsync("chats-phone-list");

        await page.Locator(".session-row").TapAsync();
        await Expect(sessions).ToBeHiddenAsync();
        await Expect(page.Locator(".chat-user .chat-bubble")).ToHaveTextAsync("Hello from the phone");
        var box = await page.Locator(".chat-panel").BoundingBoxAsync();
        Assert.True(box!.Width <= Phone.Width, $"The chat is {box.Width} px wide on a {Phone.Width} px screen.");
        Assert.Equal(Phone.Width, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
        await SaveScreenshotAsync("chats-phone-chat");

        await page.GetByRole(AriaRole.Button, new() { Name = "Back to sessions" }).TapAsync();
        await Expect(sessions).ToBeVisibleAsync();
        await Expect(page.Locator(".chats-chat")).ToBeHiddenAsync();
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Everything_is_reachable_and_usable_with_the_keyboard_alone()
    {
        await CreateClientAsync("Ada Support");
        var page = await OpenPageAsync();
        await page.SignInWithAdminKeyAsync(Parley);

        await TabToAsync(page, "Search sessions");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "New chat" })).ToBeFocusedAsync();
        await AssertFocusIsVisibleAsync(page);
        await page.Keyboard.PressAsync("Enter");
        var choice = page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Ada Support" });
        await Expect(choice).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "New chat" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(choice).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");

        var message = page.GetByLabel("Message", new() { Exact = true });
        await Expect(message).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("first line");
        await page.Keyboard.PressAsync("Shift+Enter");
        await page.Keyboard.TypeAsync("second line");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".chat-user .chat-status")).ToHaveTextAsync("Read");
        Assert.Equal("first line\nsecond line", Parley.Upstream.Requests[^1].Messages[^1].Content);

        var divider = page.GetByRole(AriaRole.Separator, new() { Name = "Resize the sessions list" });
        await TabToAsync(page, "Resize the sessions list");
        await AssertFocusIsVisibleAsync(page);
        var width = await page.Locator(".sessions").EvaluateAsync<double>("e => e.getBoundingClientRect().width");
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(divider).ToHaveAttributeAsync("aria-valuenow", "36");
        Assert.True(await page.Locator(".sessions").EvaluateAsync<double>("e => e.getBoundingClientRect().width") > width + 20);
        await page.Keyboard.PressAsync("Home");
        await Expect(divider).ToHaveAttributeAsync("aria-valuenow", "20");

        foreach (var name in new[] { "Compare with…", "Export as Markdown", "Export as JSONL", "Delete", "Search in this chat", "Conversation", "Send" })
            await TabToAsync(page, name);
        await TabToAsync(page, "Delete");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Alertdialog)).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Alertdialog)).ToBeHiddenAsync();
        await Expect(page.Locator(".session-row")).ToHaveCountAsync(1);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Script_in_any_text_a_user_an_operator_or_the_model_supplies_stays_inert_text()
    {
        const string ClientName = "<img src=x onerror=\"window.pwned='client'\">Bot";
        const string Tag = "<script>window.pwned='tag'</script>";
        const string UserText = "<img src=x onerror=\"window.pwned='user'\"> hi";
        const string OperatorText = "<b onmouseover=\"window.pwned='operator'\">bold?</b>";
        var client = await CreateClientAsync(ClientName, new { primaryColor = "#0f766e" });
        var session = await Parley.CreateSessionAsync(client, new { tag = Tag });
        Parley.Upstream.Enqueue(ScriptedReply.Text(
            "Look: <img src=x onerror=\"window.pwned='reply'\"> ", "<script>window.pwned='script'</script> ",
            "[click](javascript:window.pwned='link') ", "<a href=\"javascript:window.pwned='raw'\">raw</a> ",
            "![pic](javascript:window.pwned='image') ", "<style>body{display:none}</style> [safe](https://example.com/docs)"));
        await Parley.SendAsync(session.AccessKey, UserText, Ct);
        var page = await OpenPageAsync();
        var dialogs = 0;
        page.Dialog += (_, dialog) =>
        {
            dialogs++;
            _ = dialog.DismissAsync();
        };
        await page.SignInWithAdminKeyAsync(Parley);

        var row = page.Locator(".session-row");
        await Expect(row.Locator(".session-name")).ToHaveTextAsync(ClientName);
        await Expect(row.Locator(".session-tag")).ToContainTextAsync(Tag);
        await row.ClickAsync();
        await Expect(page.Locator(".chat-title h2")).ToHaveTextAsync(ClientName);
        await Expect(page.Locator(".chat-user .chat-bubble")).ToHaveTextAsync(UserText);
        var reply = page.Locator(".chat-assistant .chat-bubble");
        await Expect(reply).ToContainTextAsync("<img src=x onerror=\"window.pwned='reply'\">");
        await Expect(reply).ToContainTextAsync("<script>window.pwned='script'</script>");
        await Expect(reply).ToContainTextAsync("<style>body{display:none}</style>");
        Assert.Equal(0, await page.Locator(".chat-log img, .chat-log script, .chat-log style, .session-row script").CountAsync());
        var links = await reply.Locator("a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))");
        Assert.Equal(["https://example.com/docs"], links);
        await Expect(reply.Locator("a")).ToHaveAttributeAsync("target", "_blank");
        await Expect(reply.Locator("a")).ToHaveAttributeAsync("rel", "noopener noreferrer");

        await page.GetByLabel("Search in this chat").FillAsync("<script>");
        await Expect(page.Locator(".chat-log mark")).ToHaveTextAsync(["<script>"]);
        // The operator answers the user in person: their words reach the user as text, never as markup.
        await page.GetByRole(AriaRole.Button, new() { Name = "Take over" }).ClickAsync();
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync(OperatorText);
        await page.Keyboard.PressAsync("Enter");
        var answer = page.Locator(".chat-operator .chat-bubble");
        await Expect(answer).ToHaveTextAsync(OperatorText);
        await answer.HoverAsync();
        var talk = await OpenPageAsync();
        await talk.GotoAsync(session.TalkUrl);
        await Expect(talk.Locator(".parley-message-operator .parley-bubble")).ToHaveTextAsync(OperatorText);
        await talk.Locator(".parley-message-operator .parley-bubble").HoverAsync();
        Assert.Null(await talk.EvaluateAsync<string?>("window.pwned ?? null"));

        Assert.Null(await page.EvaluateAsync<string?>("window.pwned ?? null"));
        Assert.Equal(0, dialogs);
        Assert.True(await page.Locator("body").IsVisibleAsync());
        AssertNoConsoleErrors();
    }

    [Theory]
    [InlineData("en", "Search sessions", "New chat", "Message", "Send", "Compare with…", "Delete", "Read", "Back to sessions")]
    [InlineData("pt-BR", "Pesquisar sessões", "Nova conversa", "Mensagem", "Enviar", "Comparar com…", "Excluir", "Lida", "Voltar às sessões")]
    public async Task Every_view_speaks_the_operators_language(
        string language, string searchSessions, string newChat, string message, string send, string compareWith, string delete, string read, string back)
    {
        var ada = await CreateClientAsync("Ada Support");
        await CreateClientAsync("Billing Bot", new { primaryColor = "#0f766e" });
        var session = await Parley.CreateSessionAsync(ada, new { tag = "order-4711" });
        Parley.Upstream.Enqueue(ScriptedReply.Text(
            "## Opening hours\n\n", "| day | hours |\n|---|---|\n| Mon–Fri | 9–18 |\n| Sat | 10–14 |\n\n",
            "See [our page](https://example.com/hours) or run `hours --today`:\n\n", "```bash\ncurl https://example.com/hours\n```"));
        await Parley.SendAsync(session.AccessKey, "When are you open?", Ct);
        var page = await OpenPageAsync();
        await page.SignInWithAdminKeyAsync(Parley, language);
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", language);

        await Expect(page.GetByLabel(searchSessions)).ToBeVisibleAsync();
        await SaveScreenshotAsync($"chats-{language}-list");
        await page.Locator(".session-row").ClickAsync();
        await Expect(page.Locator(".chat-markdown table td").First).ToHaveTextAsync("Mon–Fri");
        await page.Locator(".chat-search input").FillAsync("hours");
        await Expect(page.Locator(".chat-log mark").First).ToBeVisibleAsync();
        await SaveScreenshotAsync($"chats-{language}-chat");

        await page.GetByRole(AriaRole.Button, new() { Name = newChat }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
        await SaveScreenshotAsync($"chats-{language}-new-chat");
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Ada Support" }).ClickAsync();
        Parley.Upstream.Enqueue(ScriptedReply.Text("Plan ", "Pro.") with { FirstTokenDelay = TimeSpan.FromSeconds(1.5) });
        await Expect(page.GetByLabel(message, new() { Exact = true })).ToBeFocusedAsync();
        await page.GetByLabel(message, new() { Exact = true }).FillAsync("Which plan suits me?");
        await page.GetByRole(AriaRole.Button, new() { Name = send }).ClickAsync();
        await Expect(page.Locator(".chat-typing")).ToBeVisibleAsync();
        await SaveScreenshotAsync($"chats-{language}-typing");
        await Expect(page.Locator(".chat-user .chat-status")).ToHaveTextAsync(read);

        await page.GetByRole(AriaRole.Button, new() { Name = compareWith }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Billing Bot" }).ClickAsync();
        await Expect(page.Locator(".chat-panel").Nth(1).Locator(".chat-user .chat-status")).ToHaveTextAsync(read);
        await SaveScreenshotAsync($"chats-{language}-compare");
        await page.Locator(".chat-panel").First.GetByRole(AriaRole.Button, new() { Name = delete, Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alertdialog)).ToBeVisibleAsync();
        await SaveScreenshotAsync($"chats-{language}-delete");
        await page.Keyboard.PressAsync("Escape");

        var phone = await OpenPhonePageAsync();
        await phone.SignInWithAdminKeyAsync(Parley, language);
        await Expect(phone.Locator(".session-row")).ToHaveCountAsync(3);
        await SaveScreenshotAsync($"chats-{language}-phone-list", phone);
        await phone.Locator(".session-row").Last.TapAsync();
        await Expect(phone.GetByRole(AriaRole.Button, new() { Name = back })).ToBeVisibleAsync();
        await SaveScreenshotAsync($"chats-{language}-phone-chat", phone);
        AssertNoConsoleErrors();
    }

    static async Task<(string Name, string Text)> DownloadAsync(IPage page, string link)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = link }).ClickAsync());
        await using var stream = await download.CreateReadStreamAsync();
        using var reader = new StreamReader(stream);
        return (download.SuggestedFilename, await reader.ReadToEndAsync(Ct));
    }

    /// <summary>Presses Tab until the element named <paramref name="name"/> has the focus (at most 40 times).</summary>
    static async Task TabToAsync(IPage page, string name)
    {
        for (var i = 0; i < 40; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focused = await page.EvaluateAsync<string?>(
                "(() => { const e = document.activeElement; return e?.getAttribute('aria-label') ?? (e?.labels?.[0]?.textContent) ?? e?.textContent?.trim(); })()");
            if (focused == name) return;
        }
        Assert.Fail($"Tab never reached {name}.");
    }

    static async Task AssertFocusIsVisibleAsync(IPage page) =>
        Assert.NotEqual("none", await page.EvaluateAsync<string>("getComputedStyle(document.activeElement).outlineStyle"));

    async Task<Guid> CreateClientAsync(string name, object? clientParameters = null, object? limitingParameters = null)
    {
        using var response = await Parley.Admin.PostAsJsonAsync("/api/v1/web-chat-client", new
        {
            name, aiGatewayId = await Parley.CreateGatewayAsync(), clientParameters = clientParameters ?? new { }, limitingParameters = limitingParameters ?? new { },
        }, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct)).GetProperty("data").GetProperty("id").GetGuid();
    }
}
