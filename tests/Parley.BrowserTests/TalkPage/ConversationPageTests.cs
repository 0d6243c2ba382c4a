using Parley.Testing.Upstream;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.TalkPage;

/// <summary>A conversation on the talk page, as its user sees it.</summary>
public sealed class ConversationPageTests(BrowserFixture browser) : BrowserTest(browser)
{
    [Fact]
    public async Task Reply_appears_progressively_and_the_conversation_comes_back_after_a_reload()
    {
        var session = await Parley.CreateSessionAsync(await Parley.CreateChatClientAsync(clientParameters: new
        {
            pageTitle = "ACME Help", helloLabel = "Hi, I'm Ada", primaryColor = "#0f766e",
        }));
        var scripted = ScriptedReply.Text("Our ", "store ", "opens ", "at ", "nine.") with { HoldAfterTokens = 2, TokenDelay = TimeSpan.FromMilliseconds(250) };
        Parley.Upstream.Enqueue(scripted);
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await Expect(page).ToHaveTitleAsync("ACME Help");
        await Expect(page.Locator(".parley-hello-label")).ToHaveTextAsync("Hi, I'm Ada");
        await SaveScreenshotAsync("talk-empty");

        await page.Locator("#parley-input").FillAsync("When do you open?");
        await page.Keyboard.PressAsync("Enter");

        var reply = page.Locator(".parley-message-assistant .parley-bubble");
        await Expect(reply).ToHaveTextAsync("Our store");
        await SaveScreenshotAsync("talk-streaming");
        scripted.Release.SetResult();
        await Expect(reply).ToHaveTextAsync("Our store opens at nine.");
        await Expect(page.Locator(".parley-status")).ToContainTextAsync("Our store opens at nine.");
        await Expect(page.Locator("#parley-input")).ToHaveValueAsync("");
        await SaveScreenshotAsync("talk-replied");

        await page.ReloadAsync();
        await Expect(page.Locator(".parley-message-user .parley-bubble")).ToHaveTextAsync("When do you open?");
        await Expect(reply).ToHaveTextAsync("Our store opens at nine.");
        await Expect(page.Locator(".parley-hello")).ToBeHiddenAsync();
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Shift_Enter_makes_a_new_line_and_Enter_sends_both_lines()
    {
        var session = await Parley.CreateSessionAsync();
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);

        var input = page.Locator("#parley-input");
        await input.PressSequentiallyAsync("first line");
        await input.PressAsync("Shift+Enter");
        await input.PressSequentiallyAsync("second line");
        await Expect(input).ToHaveValueAsync("first line\nsecond line");
        await input.PressAsync("Enter");

        await Expect(page.Locator(".parley-message-assistant .parley-feedback")).ToBeVisibleAsync();
        Assert.Equal("first line\nsecond line", Parley.Upstream.Requests[^1].Messages[^1].Content);
    }

    [Fact]
    public async Task Markdown_renders_with_copyable_code_and_links_that_open_in_a_new_tab()
    {
        var session = await Parley.CreateSessionAsync();
        Parley.Upstream.Enqueue(ScriptedReply.Text(
            "## Steps\n\n", "1. Open the box\n2. Plug it in\n\n",
            "| size | price |\n|---|---|\n| S | 10 |\n\n",
            "```bash\necho hello\n```\n\n", "See [the manual](https://example.com/manual)."));
        var page = await OpenPageAsync();
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await page.GotoAsync(session.TalkUrl);
        await page.Locator("#parley-input").FillAsync("How do I set it up?");
        await page.Locator(".parley-send").ClickAsync();

        var reply = page.Locator(".parley-message-assistant .parley-markdown");
        await Expect(reply.Locator("h2")).ToHaveTextAsync("Steps");
        await Expect(reply.Locator("ol > li")).ToHaveCountAsync(2);
        await Expect(reply.Locator("table td").First).ToHaveTextAsync("S");
        var link = reply.Locator("a");
        await Expect(link).ToHaveAttributeAsync("target", "_blank");
        await Expect(link).ToHaveAttributeAsync("rel", "noopener noreferrer");
        await Expect(reply.Locator("pre code")).ToContainTextAsync("echo hello");

        await reply.Locator("pre .parley-copy").ClickAsync();
        await Expect(reply.Locator("pre .parley-copy")).ToHaveTextAsync("Copied");
        Assert.Equal("echo hello\n", await page.EvaluateAsync<string>("navigator.clipboard.readText()"));
        await SaveScreenshotAsync("talk-markdown");
    }

    [Fact]
    public async Task Script_and_html_in_model_output_and_in_labels_stay_inert_text()
    {
        var client = await Parley.CreateChatClientAsync(clientParameters: new
        {
            pageTitle = "<b>Title</b>",
            helloLabel = "<img src=x onerror=\"window.pwned = 'label'\">",
            suggestionButtons = new[] { new { label = "<script>window.pwned = 'button'</script>", prompt = "hi" } },
        });
        var session = await Parley.CreateSessionAsync(client);
        Parley.Upstream.Enqueue(ScriptedReply.Text(
            "Look: <img src=x onerror=\"window.pwned = 'reply'\"> ",
            "<script>window.pwned = 'script'</script> ",
            "[click](javascript:window.pwned='link')"));
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);

        await Expect(page.Locator(".parley-hello-label")).ToHaveTextAsync("<img src=x onerror=\"window.pwned = 'label'\">");
        await Expect(page.Locator(".parley-suggestion")).ToHaveTextAsync("<script>window.pwned = 'button'</script>");
        await page.Locator("#parley-input").FillAsync("show me");
        await page.Keyboard.PressAsync("Enter");
        var reply = page.Locator(".parley-message-assistant .parley-markdown");
        await Expect(reply).ToContainTextAsync("<img src=x");
        await Expect(reply).ToContainTextAsync("<script>");

        Assert.Equal(0, await reply.Locator("img, script").CountAsync());
        var href = await reply.Locator("a").GetAttributeAsync("href");
        Assert.True(href is null || !href.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase), href);
        await page.WaitForTimeoutAsync(300);
        Assert.Null(await page.EvaluateAsync<string?>("window.pwned ?? null"));
    }

    [Fact]
    public async Task Reasoning_shows_while_thinking_and_is_collapsed_once_the_answer_is_complete()
    {
        var session = await Parley.CreateSessionAsync();
        Parley.Upstream.Enqueue(new ScriptedReply
        {
            ReasoningTokens = ["The user ", "wants ", "a number."],
            Tokens = ["Forty", " two."],
            TokenDelay = TimeSpan.FromMilliseconds(250),
        });
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await page.Locator("#parley-input").FillAsync("A number?");
        await page.Keyboard.PressAsync("Enter");

        var reasoning = page.Locator(".parley-reasoning");
        await Expect(reasoning.Locator(".parley-reasoning-text")).ToContainTextAsync("The user");
        Assert.True(await reasoning.EvaluateAsync<bool>("d => d.open"));
        await Expect(page.Locator(".parley-message-assistant .parley-bubble")).ToHaveTextAsync("Forty two.");
        await Expect(reasoning).Not.ToHaveAttributeAsync("open", "");
        await Expect(reasoning.Locator(".parley-reasoning-text")).ToHaveTextAsync("The user wants a number.");
    }

    [Fact]
    public async Task Suggestion_button_sends_its_prompt_and_the_greeting_makes_way()
    {
        var session = await Parley.CreateSessionAsync(await Parley.CreateChatClientAsync(clientParameters: new
        {
            suggestionButtons = new[] { new { label = "Opening hours", prompt = "When are you open on Sundays?" } },
        }));
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);

        await page.GetByRole(AriaRole.Button, new() { Name = "Opening hours" }).ClickAsync();

        await Expect(page.Locator(".parley-message-user .parley-bubble")).ToHaveTextAsync("When are you open on Sundays?");
        await Expect(page.Locator(".parley-hello")).ToBeHiddenAsync();
        await Expect(page.Locator(".parley-message-assistant .parley-feedback")).ToBeVisibleAsync();
        Assert.Equal("When are you open on Sundays?", Parley.Upstream.Requests[^1].Messages[^1].Content);
    }

    [Fact]
    public async Task Clearing_asks_first_then_empties_the_conversation_and_the_link_keeps_working()
    {
        var session = await Parley.CreateSessionAsync();
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await page.Locator("#parley-input").FillAsync("remember this");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".parley-message-assistant .parley-feedback")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Clear conversation" }).ClickAsync();
        await Expect(page.Locator(".parley-confirm")).ToBeVisibleAsync();
        await SaveScreenshotAsync("talk-clear-confirm");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(page.Locator(".parley-message")).ToHaveCountAsync(2);

        await page.GetByRole(AriaRole.Button, new() { Name = "Clear conversation" }).ClickAsync();
        await page.Locator(".parley-confirm").GetByRole(AriaRole.Button, new() { Name = "Clear" }).ClickAsync();
        await Expect(page.Locator(".parley-message")).ToHaveCountAsync(0);
        await Expect(page.Locator(".parley-hello")).ToBeVisibleAsync();

        await page.ReloadAsync();
        await Expect(page.Locator(".parley-message")).ToHaveCountAsync(0);
        await page.Locator("#parley-input").FillAsync("new start");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".parley-message-assistant .parley-feedback")).ToBeVisibleAsync();
        Assert.Single(Parley.Upstream.Requests[^1].Messages);
    }

    [Fact]
    public async Task Reloading_during_a_reply_picks_it_up_where_it_is()
    {
        var session = await Parley.CreateSessionAsync();
        Parley.Upstream.Enqueue(ScriptedReply.Text("Part one. ", "Part two. ", "Part three. ", "The end.") with
        {
            TokenDelay = TimeSpan.FromMilliseconds(400),
        });
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await page.Locator("#parley-input").FillAsync("Tell me a story");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".parley-message-assistant .parley-bubble")).ToContainTextAsync("Part one.");

        await page.ReloadAsync();

        var reply = page.Locator(".parley-message-assistant .parley-bubble");
        await Expect(reply).ToContainTextAsync("Part one. Part two.");
        await Expect(reply).ToHaveTextAsync("Part one. Part two. Part three. The end.");
        await Expect(page.Locator(".parley-message-assistant")).ToHaveCountAsync(1);
        Assert.Single(Parley.Upstream.Requests);

        // Another device opening the link sees the same conversation.
        var other = await OpenPhonePageAsync();
        await other.GotoAsync(session.TalkUrl);
        await Expect(other.Locator(".parley-message-assistant .parley-bubble")).ToHaveTextAsync("Part one. Part two. Part three. The end.");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task A_stream_cut_mid_reply_is_picked_up_again_without_losing_or_repeating_anything()
    {
        var session = await Parley.CreateSessionAsync();
        Parley.Upstream.Enqueue(ScriptedReply.Text("One. ", "Two. ", "Three. ", "Four. ", "Five.") with
        {
            TokenDelay = TimeSpan.FromMilliseconds(400),
        });
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);

        // The message really reaches Parley, but the page's own stream of the reply breaks after one token, the
        // way a proxy or a phone switching networks cuts a connection.
        Task<IAPIResponse>? delivered = null;
        await page.RouteAsync("**/messages", async route =>
        {
            delivered = page.APIRequest.PostAsync(route.Request.Url, new()
            {
                DataString = route.Request.PostData,
                Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" },
            });
            await Parley.Upstream.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
            await route.FulfillAsync(new()
            {
                Status = 200,
                ContentType = "text/event-stream",
                Body = "event: delta\ndata: {\"content\":\"One. \"}\n\n",
            });
        });
        await page.Locator("#parley-input").FillAsync("Count to five");
        await page.Keyboard.PressAsync("Enter");

        var reply = page.Locator(".parley-message-assistant .parley-bubble");
        await Expect(reply).ToHaveTextAsync("One. Two. Three. Four. Five.", new() { Timeout = 15_000 });
        await Expect(page.Locator(".parley-notice")).ToHaveCountAsync(0);
        await Expect(page.Locator(".parley-message-assistant")).ToHaveCountAsync(1);
        await Expect(page.Locator(".parley-message-assistant .parley-feedback")).ToBeVisibleAsync();
        Assert.Single(Parley.Upstream.Requests);
        Assert.NotNull(delivered);
        Assert.True((await delivered).Ok);
    }

    [Fact]
    public async Task Provider_failure_shows_the_partial_reply_and_a_retry_that_works()
    {
        var session = await Parley.CreateSessionAsync();
        Parley.Upstream.Enqueue(ScriptedReply.Text("Half an ", "answer", " never finished") with { DropAfterTokens = 2 });
        Parley.Upstream.Enqueue(ScriptedReply.Text("A whole answer."));
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await page.Locator("#parley-input").FillAsync("Question");
        await page.Keyboard.PressAsync("Enter");

        var assistant = page.Locator(".parley-message-assistant");
        await Expect(assistant.Locator(".parley-incomplete-note")).ToHaveTextAsync("The assistant is unavailable right now.");
        await Expect(assistant.Locator(".parley-bubble")).ToHaveTextAsync("Half an answer");
        await SaveScreenshotAsync("talk-provider-error");

        await assistant.GetByRole(AriaRole.Button, new() { Name = "Try again" }).ClickAsync();
        await Expect(page.Locator(".parley-message-assistant .parley-bubble")).ToHaveTextAsync("A whole answer.");
        await Expect(page.Locator(".parley-message-assistant")).ToHaveCountAsync(1);
        await Expect(page.Locator(".parley-message-user")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task A_refused_provider_key_shows_no_retry_that_could_not_help()
    {
        var session = await Parley.CreateSessionAsync();
        Parley.Upstream.Enqueue(ScriptedReply.Error(401));
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await page.Locator("#parley-input").FillAsync("Question");
        await page.Keyboard.PressAsync("Enter");

        var assistant = page.Locator(".parley-message-assistant");
        await Expect(assistant.Locator(".parley-incomplete-note")).ToHaveTextAsync("The assistant is unavailable right now.");
        await Expect(assistant.GetByRole(AriaRole.Button, new() { Name = "Try again" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Feedback_with_a_comment_reaches_the_operators()
    {
        var session = await Parley.CreateSessionAsync();
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await page.Locator("#parley-input").FillAsync("hi");
        await page.Keyboard.PressAsync("Enter");

        await page.GetByRole(AriaRole.Button, new() { Name = "Bad reply" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Bad reply" })).ToHaveAttributeAsync("aria-pressed", "true");
        await page.GetByLabel("Tell us more (optional)").FillAsync("Did not answer my question");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send feedback" }).ClickAsync();
        await Expect(page.Locator(".parley-feedback-thanks")).ToBeVisibleAsync();

        var detail = await Parley.Admin.GetFromJsonAsync<System.Text.Json.JsonElement>(
            $"/api/v1/web-chat-client/{session.ClientId}/sessions/{session.SessionId}", Ct);
        var feedback = detail.GetProperty("data").GetProperty("messages")[1].GetProperty("feedback");
        Assert.Equal("down", feedback.GetProperty("rating").GetString());
        Assert.Equal("Did not answer my question", feedback.GetProperty("comment").GetString());
    }

    [Fact]
    public async Task Debug_mode_shows_the_usage_of_each_reply_and_of_the_session()
    {
        var session = await Parley.CreateSessionAsync(await Parley.CreateChatClientAsync(clientParameters: new { debug = true }));
        Parley.Upstream.Enqueue(ScriptedReply.Text("ok") with { Usage = (12, 3) });
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await page.Locator("#parley-input").FillAsync("hi");
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Locator(".parley-usage")).ToHaveTextAsync("12 in · 3 out tokens");
        await Expect(page.Locator(".parley-session-usage")).ToHaveTextAsync("Session: 15 tokens");
    }
}
