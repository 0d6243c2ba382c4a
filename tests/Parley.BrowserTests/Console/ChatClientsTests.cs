using System.Text.Json;
using System.Text.RegularExpressions;
using Parley.Testing.Channels;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.Console;

/// <summary>The chat clients pages: the list, the editor's five tabs with the live preview, and "Create session".</summary>
public sealed partial class ChatClientsTests(BrowserFixture browser) : ConsoleTest(browser)
{
    public static TheoryData<string, Words> Languages => new()
    {
        { "en", new("New chat client", "Name", "Appearance", "Main colour", "Create", "Enter a hex colour such as #1f6feb.",
            "Fill in this field.", "The chat client Help desk was created.") },
        { "pt-BR", new("Novo cliente de chat", "Nome", "Aparência", "Cor principal", "Criar", "Informe uma cor hexadecimal como #1f6feb.",
            "Preencha este campo.", "O cliente de chat Help desk foi criado.") },
    };

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task An_admin_creates_a_chat_client_and_a_broken_rule_opens_its_tab_and_shows_beside_its_field(string language, Words words)
    {
        var gateway = await Parley.CreateGatewayAsync(name: "Support model");
        var page = await OpenPageAsync(locale: language);
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Fclients");
        await WaitUntilLiveAsync(page);

        await page.GetByRole(AriaRole.Link, new() { Name = words.NewClient }).ClickAsync();
        await WaitUntilLiveAsync(page);
        await page.GetByRole(AriaRole.Tab, new() { Name = words.Appearance }).ClickAsync();
        await page.GetByLabel(words.Color, new() { Exact = true }).FillAsync("red");
        await page.GetByRole(AriaRole.Button, new() { Name = words.Create, Exact = true }).ClickAsync();

        // The name is on the first tab: that tab opens, and the colour's tab is marked too.
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "General" }).Or(page.GetByRole(AriaRole.Tab, new() { Name = "Geral" })))
            .ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.Locator("#name-error")).ToHaveTextAsync(words.Required);
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = words.Appearance })).ToContainTextAsync("!");
        await page.GetByLabel(words.Name, new() { Exact = true }).FillAsync("Help desk");
        await page.GetByRole(AriaRole.Tab, new() { Name = words.Appearance }).ClickAsync();
        await Expect(page.Locator("#primaryColor-error")).ToHaveTextAsync(words.BadColor);
        await Expect(page.GetByLabel(words.Color, new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
        await SaveScreenshotAsync($"console-clients-errors-{language}");

        await page.GetByLabel(words.Color, new() { Exact = true }).FillAsync("#0a7d4f");
        await page.GetByRole(AriaRole.Button, new() { Name = words.Create, Exact = true }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync(words.Created);
        await Expect(page).ToHaveURLAsync(ClientUrl());
        var client = await OnlyClientAsync();
        Assert.Equal("Help desk", client.GetProperty("name").GetString());
        Assert.Equal(gateway, client.GetProperty("aiGatewayId").GetGuid());
        Assert.Equal("#0a7d4f", client.GetProperty("clientParameters").GetProperty("primaryColor").GetString());
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task The_preview_is_the_talk_page_and_follows_each_edit_on_phone_and_desktop_sizes()
    {
        var id = await Parley.CreateChatClientAsync();
        var page = await OpenEditorAsync(id);

        await page.GetByRole(AriaRole.Tab, new() { Name = "Appearance" }).ClickAsync();
        var preview = page.FrameLocator("iframe[title='The talk page as the end user will see it']");
        await Expect(preview.Locator(".parley-title")).ToHaveTextAsync("Test client");

        await page.GetByLabel("Page title").FillAsync("ACME help");
        await page.GetByLabel("Hello label", new() { Exact = true }).FillAsync("Welcome to ACME");
        await page.GetByLabel("Message placeholder").FillAsync("Ask ACME anything");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a button" }).ClickAsync();
        await page.GetByLabel("Button 1 label").FillAsync("Track my order");
        await page.GetByLabel("Button 1 prompt").FillAsync("Where is my order?");
        await page.GetByLabel("Main colour", new() { Exact = true }).FillAsync("#b42318");
        await page.GetByLabel("Main colour", new() { Exact = true }).PressAsync("Tab");

        await Expect(preview.Locator(".parley-title")).ToHaveTextAsync("ACME help");
        await Expect(preview.Locator(".parley-hello-label")).ToHaveTextAsync("Welcome to ACME");
        await Expect(preview.Locator(".parley-suggestion")).ToHaveTextAsync("Track my order");
        await Expect(preview.Locator("#parley-input")).ToHaveAttributeAsync("placeholder", "Ask ACME anything");
        Assert.Equal("#b42318", (await preview.Locator("body").EvaluateAsync<string>(
            "b => getComputedStyle(document.documentElement).getPropertyValue('--parley-primary')")).Trim());
        var frame = page.Locator(".editors-preview-frame");
        Assert.InRange((await frame.BoundingBoxAsync())!.Width, 358, 364);
        await SaveScreenshotAsync("console-clients-preview-phone");

        await page.GetByRole(AriaRole.Button, new() { Name = "Desktop" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Desktop" })).ToHaveAttributeAsync("aria-pressed", "true");
        Assert.True((await frame.BoundingBoxAsync())!.Width > 400);
        await SaveScreenshotAsync("console-clients-preview-desktop");

        // Nothing is saved until "Save".
        Assert.Equal(JsonValueKind.Null, (await OnlyClientAsync()).GetProperty("clientParameters").GetProperty("pageTitle").ValueKind);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("The chat client Test client was saved.");
        var saved = (await OnlyClientAsync()).GetProperty("clientParameters");
        Assert.Equal("ACME help", saved.GetProperty("pageTitle").GetString());
        Assert.Equal("Where is my order?", saved.GetProperty("suggestionButtons")[0].GetProperty("prompt").GetString());
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Files_are_allowed_and_bounded_in_the_limits_tab_and_kept_when_other_fields_change()
    {
        var id = await Parley.CreateChatClientAsync();
        var page = await OpenEditorAsync(id);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Limits" }).ClickAsync();
        await page.GetByLabel("Users may send files").CheckAsync();
        await page.GetByLabel("Allowed types").FillAsync("image/png\napplication/pdf");
        await page.GetByLabel("Files per message").FillAsync("3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("The chat client Test client was saved.");

        // Another edit of the same client leaves its files settings as they were.
        page = await OpenEditorAsync(id);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Appearance" }).ClickAsync();
        await page.GetByLabel("Page title").FillAsync("Files desk");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("The chat client Test client was saved.");
        var client = await OnlyClientAsync();
        Assert.True(client.GetProperty("clientParameters").GetProperty("allowAttachments").GetBoolean());
        var limits = client.GetProperty("limitingParameters");
        Assert.Equal(3, limits.GetProperty("maxAttachmentsPerMessage").GetInt32());
        Assert.Equal(["image/png", "application/pdf"], limits.GetProperty("allowedAttachmentTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(10_000_000, limits.GetProperty("maxAttachmentBytes").GetInt32());
    }

    [Fact]
    public async Task Limits_and_advanced_settings_are_saved_and_their_broken_rules_show_beside_them()
    {
        var id = await Parley.CreateChatClientAsync();
        var page = await OpenEditorAsync(id);

        await page.GetByRole(AriaRole.Tab, new() { Name = "Limits" }).ClickAsync();
        await Expect(page.GetByText("How many messages a session may send in any hour")).ToBeVisibleAsync();
        await page.GetByLabel("Messages per hour").FillAsync("0");
        await page.GetByLabel("Messages per session").FillAsync("lots");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Advanced" }).ClickAsync();
        await page.GetByLabel("Allowed frame origins").FillAsync("https://shop.example.com/\nhttps://www.example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await Expect(page.Locator("#allowedFrameOrigins-error")).ToHaveTextAsync(
            "Each line must be an origin such as https://example.com, with no path and no slash at the end.");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Limits" }).ClickAsync();
        await Expect(page.Locator("#maxMessages-error")).ToHaveTextAsync("Enter a whole number, such as 500.");
        await page.GetByLabel("Messages per session").FillAsync("200");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator("#messagesPerHour-error")).ToHaveTextAsync("Enter a number from 1 to 1000000.");
        await SaveScreenshotAsync("console-clients-limits-errors");

        await page.GetByLabel("Messages per hour").FillAsync("30");
        await page.GetByLabel("Keep conversations (days)").FillAsync("90");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Advanced" }).ClickAsync();
        await page.GetByLabel("Allowed frame origins").FillAsync("https://shop.example.com\nhttps://www.example.com");
        await page.GetByLabel("Custom CSS").FillAsync(".parley-title {\n  letter-spacing: .05em;\n}");
        await page.GetByLabel("Debug", new() { Exact = true }).CheckAsync();
        await Expect(page.Locator(".editors-gutter").First).ToHaveTextAsync(new Regex("^1\\s+2\\s+3"));
        await SaveScreenshotAsync("console-clients-advanced");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("The chat client Test client was saved.");
        var client = await OnlyClientAsync();
        Assert.Equal(30, client.GetProperty("limitingParameters").GetProperty("messagesPerHour").GetInt32());
        Assert.Equal(200, client.GetProperty("limitingParameters").GetProperty("maxMessages").GetInt32());
        Assert.Equal(90, client.GetProperty("limitingParameters").GetProperty("retentionDays").GetInt32());
        var parameters = client.GetProperty("clientParameters");
        Assert.Equal(["https://shop.example.com", "https://www.example.com"], parameters.GetProperty("allowedFrameOrigins").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal(".parley-title {\n  letter-spacing: .05em;\n}", parameters.GetProperty("customStyles").GetString());
        Assert.True(parameters.GetProperty("debug").GetBoolean());
        AssertNoConsoleErrors();
    }

    [Theory]
    [InlineData("en", "Create session", "Tag", "Expires after (minutes)", "Extra context", "Talk URL")]
    [InlineData("pt-BR", "Criar sessão", "Etiqueta", "Expira após (minutos)", "Contexto extra", "URL da conversa")]
    public async Task Create_session_shows_the_talk_url_to_copy_and_as_a_qr_code(string language, string create, string tag, string expires, string context, string talkUrl)
    {
        var id = await Parley.CreateChatClientAsync();
        var page = await OpenEditorAsync(id, language);

        await page.GetByRole(AriaRole.Button, new() { Name = create }).ClickAsync();
        await Expect(page.GetByLabel(tag, new() { Exact = true })).ToBeFocusedAsync();
        await page.GetByLabel(expires).FillAsync("5");
        await page.GetByRole(AriaRole.Button, new() { Name = create }).Last.ClickAsync();
        await Expect(page.Locator("#expires-error")).ToContainTextAsync(language == "en" ? "10 minutes to 90 days" : "10 minutos a 90 dias");

        await page.GetByLabel(tag, new() { Exact = true }).FillAsync("customer-42");
        await page.GetByLabel(expires).FillAsync("30");
        await page.GetByLabel(context).FillAsync("The customer is called Ana.");
        await page.GetByRole(AriaRole.Button, new() { Name = create }).Last.ClickAsync();

        var url = page.GetByLabel(talkUrl, new() { Exact = true });
        await Expect(url).ToHaveValueAsync(new Regex($"^{Regex.Escape(Parley.BaseAddress.ToString().TrimEnd('/'))}/chat/wky_"));
        await Expect(url).ToBeFocusedAsync();
        await Expect(page.Locator("img.editors-qr")).ToBeVisibleAsync();
        await SaveScreenshotAsync($"console-clients-session-{language}");

        var talk = await page.Context.NewPageAsync();
        await talk.GotoAsync(await url.InputValueAsync());
        await Expect(talk.Locator(".parley-title")).ToHaveTextAsync("Test client");
        using var sessions = await Parley.Admin.GetAsync($"/api/v1/web-chat-client/{id}/sessions", Ct);
        Assert.Contains("customer-42", await sessions.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task The_channels_tab_shows_each_chat_app_with_its_webhook_url_to_copy_and_its_last_status()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        var id = await Parley.CreateChatClientAsync();
        using (var created = await Parley.Admin.PostAsJsonAsync($"/api/v1/web-chat-client/{id}/integrations",
            new { type = "telegram", botToken = telegram.Token, mode = "webhook", apiBaseAddress = telegram.BaseAddress }, Ct))
            created.EnsureSuccessStatusCode();
        using var listed = await Parley.Admin.GetAsync($"/api/v1/web-chat-client/{id}/integrations", Ct);
        var integration = (await listed.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("data")[0];
        var webhookUrl = integration.GetProperty("webhookUrl").GetString()!;
        var page = await OpenEditorAsync(id);
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);

        await page.GetByRole(AriaRole.Tab, new() { Name = "Channels" }).ClickAsync();

        var channel = page.GetByRole(AriaRole.Region, new() { Name = "Telegram" });
        await Expect(channel).ToContainTextAsync(webhookUrl);
        await Expect(channel).ToContainTextAsync(integration.GetProperty("status").GetString()!);
        Assert.DoesNotContain(telegram.Token, await page.ContentAsync(), StringComparison.Ordinal);
        await channel.GetByRole(AriaRole.Button, new() { Name = "Copy the webhook URL of Telegram" }).ClickAsync();
        await Expect(channel.GetByRole(AriaRole.Button, new() { Name = "Copied" })).ToBeVisibleAsync();
        Assert.Equal(webhookUrl, await page.EvaluateAsync<string>("navigator.clipboard.readText()"));
        await SaveScreenshotAsync("console-clients-channels");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task An_admin_adds_edits_and_deletes_chat_apps_on_the_channels_tab_and_sees_what_the_app_refused()
    {
        await using var telegram = await FakeTelegram.StartAsync();
        await using var zapi = await FakeZapi.StartAsync();
        var id = await Parley.CreateChatClientAsync();
        var page = await OpenEditorAsync(id);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Channels" }).ClickAsync();

        // The API's rules, beside their fields: a range first, then the secret a new bot needs.
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a Telegram bot" }).ClickAsync();
        var form = page.GetByRole(AriaRole.Region, new() { Name = "Add Telegram" });
        await form.GetByLabel("API address").FillAsync(telegram.BaseAddress.ToString());
        await form.GetByLabel("Session lasts (minutes)").FillAsync("2");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Expect(page.Locator("#sessionDurationMinutes-error")).ToHaveTextAsync("Enter a number from 5 to 43200.");
        await form.GetByLabel("Session lasts (minutes)").FillAsync("240");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Expect(page.Locator("#botToken-error")).ToHaveTextAsync("Fill in this field.");
        await Expect(page.Locator("#sessionDurationMinutes-error")).ToHaveCountAsync(0);

        // Telegram refuses a token it does not know: that is said, and nothing is kept.
        await form.GetByLabel("Bot token").FillAsync("7000000002:AAHnotTheBotsToken_987654321");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Expect(form.GetByRole(AriaRole.Alert)).ToContainTextAsync("Telegram did not accept these settings, so nothing was saved");
        Assert.Empty(await IntegrationsAsync(id));

        await form.GetByLabel("Bot token").FillAsync(telegram.Token);
        await form.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("Telegram is connected.");
        var created = Assert.Single(await IntegrationsAsync(id));
        Assert.Equal(240, created.GetProperty("sessionDurationMinutes").GetInt32());
        Assert.Equal(created.GetProperty("webhookUrl").GetString(), telegram.Webhook?.Url.ToString());
        var channel = page.GetByRole(AriaRole.Region, new() { Name = "Telegram", Exact = true });
        await Expect(channel).ToContainTextAsync(created.GetProperty("webhookUrl").GetString()!);

        // Editing keeps the stored token when its field is left blank.
        await channel.GetByRole(AriaRole.Button, new() { Name = "Edit Telegram" }).ClickAsync();
        var edit = page.GetByRole(AriaRole.Region, new() { Name = "Edit Telegram" });
        await Expect(edit.GetByLabel("Bot token")).ToHaveValueAsync("");
        await edit.GetByLabel("Mode").SelectOptionAsync("polling");
        await edit.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("The Telegram settings were saved.");
        var edited = Assert.Single(await IntegrationsAsync(id));
        Assert.Equal("polling", edited.GetProperty("mode").GetString());
        Assert.Equal(created.GetProperty("botToken").GetString(), edited.GetProperty("botToken").GetString());

        await page.GetByRole(AriaRole.Button, new() { Name = "Add a WhatsApp number (Z-API)" }).ClickAsync();
        var whatsapp = page.GetByRole(AriaRole.Region, new() { Name = "Add WhatsApp (Z-API)" });
        await whatsapp.GetByLabel("Instance id").FillAsync(zapi.InstanceId);
        await whatsapp.GetByLabel("Instance token").FillAsync(zapi.InstanceToken);
        await whatsapp.GetByLabel("Client token").FillAsync(zapi.ClientToken!);
        await whatsapp.GetByLabel("API address").FillAsync(zapi.BaseAddress.ToString());
        await whatsapp.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("WhatsApp (Z-API) is connected.");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "WhatsApp (Z-API)", Exact = true })).ToContainTextAsync("/webhooks/zapi/");
        await SaveScreenshotAsync("console-clients-channels-edited");
        Assert.DoesNotContain(zapi.InstanceToken, await page.ContentAsync(), StringComparison.Ordinal);

        await channel.GetByRole(AriaRole.Button, new() { Name = "Delete Telegram" }).ClickAsync();
        await page.GetByRole(AriaRole.Region, new() { Name = "Delete the Telegram integration?" })
            .GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("The Telegram integration was deleted.");
        Assert.Equal(["zapi"], (await IntegrationsAsync(id)).Select(i => i.GetProperty("type").GetString()));
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Telegram", Exact = true })).ToHaveCountAsync(0);
        AssertNoConsoleErrors();
    }

    async Task<List<JsonElement>> IntegrationsAsync(Guid clientId)
    {
        using var listed = await Parley.Admin.GetAsync($"/api/v1/web-chat-client/{clientId}/integrations", Ct);
        return [.. (await listed.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("data").EnumerateArray()];
    }

    [Fact]
    public async Task Create_session_from_the_list_makes_a_session_of_that_client()
    {
        var id = await Parley.CreateChatClientAsync();
        var page = await OpenPageAsync();
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Fclients");
        await WaitUntilLiveAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "Create session for Test client" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Create session for Test client" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Tag", new() { Exact = true })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByLabel("Talk URL", new() { Exact = true })).ToHaveValueAsync(new Regex("/chat/wky_"));
        using var sessions = await Parley.Admin.GetAsync($"/api/v1/web-chat-client/{id}/sessions", Ct);
        Assert.Equal(1, (await sessions.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("data").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task An_admin_deletes_a_chat_client_after_confirming()
    {
        await Parley.CreateChatClientAsync();
        var page = await OpenPageAsync();
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Fclients");
        await WaitUntilLiveAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete Test client" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true });
        await Expect(confirm).ToBeFocusedAsync();
        await confirm.ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The chat client Test client was deleted.");
        using var list = await Parley.Admin.GetAsync("/api/v1/web-chat-client", Ct);
        Assert.Empty((await list.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("data").EnumerateArray());
    }

    [Theory]
    [InlineData("en", "Chat clients")]
    [InlineData("pt-BR", "Clientes de chat")]
    public async Task An_agent_has_no_link_to_chat_clients_and_direct_visits_and_the_preview_are_denied(string language, string clients)
    {
        var id = await Parley.CreateChatClientAsync();
        await Parley.CreateOperatorAsync("ana", Password, role: "agent", displayName: "Ana Lima");
        var page = await OpenPageAsync(locale: language);
        await SignInAsync(page, "ana");
        await WaitUntilLiveAsync(page);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = clients })).ToHaveCountAsync(0);

        foreach (var path in new[] { "/console/clients", $"/console/clients/{id}", "/console/clients/new" })
        {
            await page.GotoAsync(Url(path));
            await Expect(page).ToHaveURLAsync(new Regex("/console/denied"));
        }
        var preview = await page.GotoAsync(Url($"/console/clients/preview/{Guid.NewGuid()}"));
        Assert.Contains("/console/denied", preview!.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_keyboard_alone_moves_between_tabs_and_saves()
    {
        var id = await Parley.CreateChatClientAsync();
        var page = await OpenEditorAsync(id);
        var general = page.GetByRole(AriaRole.Tab, new() { Name = "General" });

        for (var i = 0; i < 30 && !await general.EvaluateAsync<bool>("b => b === document.activeElement"); i++) await page.Keyboard.PressAsync("Tab");
        await Expect(general).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Appearance" })).ToBeFocusedAsync();
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Appearance" })).ToHaveAttributeAsync("aria-selected", "true");
        await page.Keyboard.PressAsync("End");
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Advanced" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Home");
        await Expect(general).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Name", new() { Exact = true })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("Keyboard desk");
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("The chat client Keyboard desk was saved.");
        Assert.Equal("Keyboard desk", (await OnlyClientAsync()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Markup_in_every_operator_supplied_text_is_shown_as_text_in_the_console_and_the_preview()
    {
        const string markup = "<img src=x onerror=\"top.document.title='pwned'\">";
        var gateway = await Parley.CreateGatewayAsync(name: markup);
        var id = await Parley.CreateChatClientAsync(gateway, clientParameters: new
        {
            pageTitle = markup, helloLabel = markup, helloSubLabel = markup, textAreaPlaceholder = markup,
            suggestionButtons = new[] { new { label = markup, prompt = markup } },
        });
        (await Parley.Admin.PutAsJsonAsync($"/api/v1/web-chat-client/{id}", new
        {
            name = markup, aiGatewayId = gateway,
            clientParameters = new { pageTitle = markup, helloLabel = markup, helloSubLabel = markup, textAreaPlaceholder = markup, suggestionButtons = new[] { new { label = markup, prompt = markup } } },
        }, Ct)).EnsureSuccessStatusCode();
        var page = await OpenPageAsync();
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Fclients");
        await WaitUntilLiveAsync(page);
        await Expect(page.GetByRole(AriaRole.Rowheader, new() { Name = markup })).ToBeVisibleAsync();

        await page.GotoAsync(Url($"/console/clients/{id}"));
        await WaitUntilLiveAsync(page);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync($"Edit {markup}");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Appearance" }).ClickAsync();
        await Expect(page.GetByLabel("Hello label", new() { Exact = true })).ToHaveValueAsync(markup);
        var preview = page.FrameLocator("iframe.editors-preview-frame, .editors-preview-frame iframe");
        await Expect(preview.Locator(".parley-hello-label")).ToHaveTextAsync(markup);
        await Expect(preview.Locator(".parley-suggestion")).ToHaveTextAsync(markup);

        await Expect(page.Locator("main img")).ToHaveCountAsync(0);
        await Expect(preview.Locator("img")).ToHaveCountAsync(0);
        Assert.NotEqual("pwned", await page.TitleAsync());
    }

    [Fact]
    public async Task On_a_phone_the_editor_and_its_preview_fit_the_screen()
    {
        var id = await Parley.CreateChatClientAsync();
        var page = await OpenPhonePageAsync();
        await SignInAsync(page, path: $"/console/login?returnUrl=%2Fconsole%2Fclients%2F{id}");
        await WaitUntilLiveAsync(page);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Appearance" }).ClickAsync();
        await Expect(page.FrameLocator(".editors-preview-frame iframe").Locator(".parley-title")).ToHaveTextAsync("Test client");

        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"));
        await SaveScreenshotAsync("console-clients-phone");
    }

    async Task<IPage> OpenEditorAsync(Guid id, string? locale = null)
    {
        var page = await OpenPageAsync(locale: locale);
        await SignInAsync(page, path: $"/console/login?returnUrl=%2Fconsole%2Fclients%2F{id}");
        await WaitUntilLiveAsync(page);
        return page;
    }

    async Task<JsonElement> OnlyClientAsync()
    {
        using var list = await Parley.Admin.GetAsync("/api/v1/web-chat-client", Ct);
        return Assert.Single((await list.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("data").EnumerateArray());
    }

    [GeneratedRegex("/console/clients/[0-9a-f-]{36}")]
    private static partial Regex ClientUrl();

    public sealed record Words(string NewClient, string Name, string Appearance, string Color, string Create, string BadColor, string Required, string Created);
}
