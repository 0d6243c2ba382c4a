using Parley.Testing.Upstream;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.TalkPage;

/// <summary>Limits and errors in the user's language, the page's own look, and small screens.</summary>
public sealed class LimitsAndLookTests(BrowserFixture browser) : BrowserTest(browser)
{
    public static TheoryData<string, string, string> Languages => new()
    {
        { "en", "You reached the limit of 1 messages per hour. You can write again at", "Type your message…" },
        { "pt-BR", "Você atingiu o limite de 1 mensagens por hora. Você poderá escrever novamente às", "Digite sua mensagem…" },
    };

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task Hourly_limit_is_explained_in_the_clients_language_and_the_message_stays_in_the_input(
        string language, string expected, string placeholder)
    {
        var session = await SessionWithAsync(language, new { messagesPerHour = 1 });
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await Expect(page.Locator("#parley-input")).ToHaveAttributeAsync("placeholder", placeholder);
        await SendAsync(page, "first");
        await Expect(page.Locator(".parley-message-assistant .parley-feedback")).ToBeVisibleAsync();

        await SendAsync(page, "second, which is over the limit");

        await Expect(page.Locator(".parley-notice")).ToContainTextAsync(expected);
        await Expect(page.Locator("#parley-input")).ToHaveValueAsync("second, which is over the limit");
        await Expect(page.Locator(".parley-message-user")).ToHaveCountAsync(1);
        await SaveScreenshotAsync($"talk-hourly-limit-{language}");
    }

    [Theory]
    [InlineData("en", "Session: 0 tokens · 20 tokens left today", "Session: 12 tokens · 8 tokens left today", "You used all the tokens allowed for today. You can write again at")]
    [InlineData("pt-BR", "Sessão: 0 tokens · restam 20 tokens hoje", "Sessão: 12 tokens · restam 8 tokens hoje", "Você usou todos os tokens permitidos para hoje. Você poderá escrever de novo às")]
    public async Task A_spent_daily_budget_is_explained_and_debug_mode_counts_down_what_is_left(
        string language, string before, string after, string expected)
    {
        var session = await Parley.CreateSessionAsync(await Parley.CreateChatClientAsync(
            clientParameters: new { languageCode = language, debug = true }, limitingParameters: new { dailyTokensPerSession = 20 }));
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await Expect(page.Locator(".parley-session-usage")).ToHaveTextAsync(before);
        await SendAsync(page, "first");
        await Expect(page.Locator(".parley-session-usage")).ToHaveTextAsync(after);
        await SendAsync(page, "second");
        await Expect(page.Locator(".parley-message-assistant .parley-feedback")).ToHaveCountAsync(2);

        await SendAsync(page, "third, past the budget");
        await Expect(page.Locator(".parley-notice")).ToContainTextAsync(expected);
        await Expect(page.Locator("#parley-input")).ToHaveValueAsync("third, past the budget");
    }

    [Fact]
    public async Task A_client_asking_for_a_proof_of_work_gets_it_solved_by_the_page_before_the_first_message()
    {
        var session = await Parley.CreateSessionAsync(await Parley.CreateChatClientAsync(clientParameters: new { proofOfWorkBits = 14 }));
        Parley.Upstream.Enqueue(ScriptedReply.Text("Proven."));
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await SendAsync(page, "first, after the proof");
        await Expect(page.Locator(".parley-message-assistant .parley-bubble")).ToHaveTextAsync("Proven.");
        Parley.Upstream.Enqueue(ScriptedReply.Text("Again."));
        await SendAsync(page, "second");
        await Expect(page.Locator(".parley-message-assistant .parley-bubble").Last).ToHaveTextAsync("Again.");
        await Expect(page.Locator(".parley-notice")).ToHaveCountAsync(0);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task The_operators_own_words_are_shown_at_a_limit_and_clearing_is_still_offered()
    {
        var session = await Parley.CreateSessionAsync(await Parley.CreateChatClientAsync(limitingParameters: new
        {
            maxMessages = 1, limitMessages = new { maxMessagesReached = "Free plan: one question per chat. Upgrade at example.com/pro." },
        }));
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await SendAsync(page, "first");
        await Expect(page.Locator(".parley-message-assistant .parley-feedback")).ToBeVisibleAsync();
        await SendAsync(page, "second");
        await Expect(page.Locator(".parley-notice")).ToContainTextAsync("Free plan: one question per chat. Upgrade at example.com/pro.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Clear the conversation to start again" })).ToBeVisibleAsync();
    }

    [Theory]
    [InlineData("en", "This conversation reached its limit of 1 messages.", "Clear the conversation to start again")]
    [InlineData("pt-BR", "Esta conversa atingiu o limite de 1 mensagens.", "Limpe a conversa para recomeçar")]
    public async Task Max_messages_offers_to_clear_the_conversation(string language, string expected, string clearLabel)
    {
        var session = await SessionWithAsync(language, new { maxMessages = 1 });
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await SendAsync(page, "first");
        await Expect(page.Locator(".parley-message-assistant .parley-feedback")).ToBeVisibleAsync();

        await SendAsync(page, "second");
        await Expect(page.Locator(".parley-notice")).ToContainTextAsync(expected);
        await page.GetByRole(AriaRole.Button, new() { Name = clearLabel }).ClickAsync();
        await page.Locator(".parley-confirm button[value=clear]").ClickAsync();
        await Expect(page.Locator(".parley-message")).ToHaveCountAsync(0);

        await page.Locator(".parley-send").ClickAsync();
        await Expect(page.Locator(".parley-message-assistant .parley-feedback")).ToBeVisibleAsync();
        Assert.Equal("second", Parley.Upstream.Requests[^1].Messages[^1].Content);
    }

    [Theory]
    [InlineData("en", "Your message is 12 tokens long; the limit is 5. Please shorten it.")]
    [InlineData("pt-BR", "Sua mensagem tem 12 tokens; o limite é 5. Por favor, encurte-a.")]
    public async Task Too_long_message_shows_its_count_and_the_limit(string language, string expected)
    {
        var session = await SessionWithAsync(language, new { userInputMaxTokens = 5 });
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        var text = string.Join(' ', Enumerable.Repeat("word", 12));

        await SendAsync(page, text);

        await Expect(page.Locator(".parley-notice")).ToHaveTextAsync(expected);
        await Expect(page.Locator("#parley-input")).ToHaveValueAsync(text);
        Assert.Empty(Parley.Upstream.Requests);
    }

    [Theory]
    [InlineData("en", "This conversation has expired. Ask for a new link to keep talking.", "This conversation has ended")]
    [InlineData("pt-BR", "Esta conversa expirou. Peça um novo link para continuar.", "Esta conversa terminou")]
    public async Task Expired_session_says_so_and_its_page_no_longer_shows_the_conversation(string language, string notice, string ended)
    {
        var session = await SessionWithAsync(language, null);
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await SendAsync(page, "before expiry");
        await Expect(page.Locator(".parley-message-assistant .parley-feedback")).ToBeVisibleAsync();

        Parley.Clock.Advance(TimeSpan.FromHours(2));
        await SendAsync(page, "after expiry");

        await Expect(page.Locator(".parley-notice")).ToHaveTextAsync(notice);
        await Expect(page.Locator("#parley-input")).ToBeDisabledAsync();
        await SaveScreenshotAsync($"talk-expired-{language}");

        var reload = await page.ReloadAsync();
        Assert.Equal(410, reload!.Status);
        await Expect(page.Locator("h1")).ToHaveTextAsync(ended);
        await Expect(page.GetByText("before expiry")).ToHaveCountAsync(0);
        await Expect(page.Locator("#parley-input")).ToHaveCountAsync(0);
        await SaveScreenshotAsync($"talk-ended-{language}");
    }

    [Fact]
    public async Task Custom_css_and_js_apply_to_their_own_client_only_and_can_hook_page_events()
    {
        var styled = await Parley.CreateChatClientAsync(clientParameters: new
        {
            customStyles = ".parley-title { color: rgb(200, 0, 0); }",
            customScripts = """
                document.body.dataset.custom = 'yes';
                Parley.on('message-sent', (e) => { document.body.dataset.sent = e.content; });
                document.addEventListener('parley:reply-received', (e) => { document.body.dataset.received = e.detail.content; });
                """,
        });
        var plain = await Parley.CreateChatClientAsync();
        var styledSession = await Parley.CreateSessionAsync(styled);
        var plainSession = await Parley.CreateSessionAsync(plain);
        Parley.Upstream.Enqueue(ScriptedReply.Text("Hooked"));

        var page = await OpenPageAsync();
        await page.GotoAsync(styledSession.TalkUrl);
        Assert.Equal("rgb(200, 0, 0)", await page.Locator(".parley-title").EvaluateAsync<string>("e => getComputedStyle(e).color"));
        await SendAsync(page, "ping");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-received", "Hooked");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-sent", "ping");

        var other = await OpenPageAsync();
        await other.GotoAsync(plainSession.TalkUrl);
        Assert.NotEqual("rgb(200, 0, 0)", await other.Locator(".parley-title").EvaluateAsync<string>("e => getComputedStyle(e).color"));
        Assert.Null(await other.Locator("body").GetAttributeAsync("data-custom"));
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task On_a_phone_the_page_fits_the_screen_and_stays_usable()
    {
        var session = await Parley.CreateSessionAsync(await Parley.CreateChatClientAsync(clientParameters: new
        {
            pageTitle = "A rather long assistant title that must not push the clear button off screen",
            suggestionButtons = new[] { new { label = "Track my order", prompt = "Where is my order?" }, new { label = "Returns", prompt = "Returns?" } },
        }));
        Parley.Upstream.Enqueue(ScriptedReply.Text("A long answer line that wraps within the narrow screen without scrolling sideways at all."));
        var page = await OpenPhonePageAsync();
        await page.GotoAsync(session.TalkUrl);
        await SaveScreenshotAsync("talk-phone-empty");

        await page.GetByRole(AriaRole.Button, new() { Name = "Track my order" }).TapAsync();
        await Expect(page.Locator(".parley-message-assistant .parley-feedback")).ToBeVisibleAsync();

        Assert.Equal(360, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
        var clear = await page.Locator(".parley-clear").BoundingBoxAsync();
        var send = await page.Locator(".parley-send").BoundingBoxAsync();
        Assert.True(clear!.X + clear.Width <= 360 && send!.X + send.Width <= 360 && send.Y + send.Height <= 740);
        await SaveScreenshotAsync("talk-phone-conversation");
    }

    [Fact]
    public async Task Keyboard_alone_reaches_the_input_the_send_button_and_the_clear_button()
    {
        var session = await Parley.CreateSessionAsync();
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);

        var focused = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            focused.Add(await page.EvaluateAsync<string>("document.activeElement.className || document.activeElement.id"));
        }

        Assert.Contains("parley-clear", focused);
        Assert.Contains("parley-input", focused);
        Assert.Equal("polite", await page.Locator(".parley-status").GetAttributeAsync("aria-live"));
        Assert.Equal("Message", await page.Locator("label[for=parley-input]").TextContentAsync());
    }

    async Task<Parley.Testing.CreatedSession> SessionWithAsync(string language, object? limits) =>
        await Parley.CreateSessionAsync(await Parley.CreateChatClientAsync(
            clientParameters: new { languageCode = language }, limitingParameters: limits));

    static async Task SendAsync(IPage page, string text)
    {
        await page.Locator("#parley-input").FillAsync(text);
        await page.Locator("#parley-input").PressAsync("Enter");
    }
}
