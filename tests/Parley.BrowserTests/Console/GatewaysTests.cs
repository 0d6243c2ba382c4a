using System.Text.Json;
using System.Text.RegularExpressions;
using Parley.Testing;
using Parley.Testing.Upstream;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.Console;

/// <summary>The AI gateways page: an admin creates, edits, tests and deletes the model configurations.</summary>
public sealed class GatewaysTests(BrowserFixture browser) : ConsoleTest(browser)
{
    const string ProviderKey = "sk-upstream-secret-123456";

    public static TheoryData<string, Words> Languages => new()
    {
        { "en", new("New gateway", "Name", "Base address", "API key", "Model", "Temperature", "User prompt template", "Create",
            "Fill in this field.", "Enter an address that starts with http:// or https://.", "Enter a number from 0 to 2.",
            "The template must contain {message}, where the user's message goes.", "Enter a number, such as 0.7.",
            "The gateway Support model was created.") },
        { "pt-BR", new("Novo gateway", "Nome", "Endereço base", "Chave de API", "Modelo", "Temperatura", "Modelo da mensagem do usuário", "Criar",
            "Preencha este campo.", "Informe um endereço que comece com http:// ou https://.", "Informe um número de 0 a 2.",
            "O modelo precisa conter {message}, onde entra a mensagem do usuário.", "Informe um número, como 0,7.",
            "O gateway Support model foi criado.") },
    };

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task An_admin_creates_a_gateway_and_each_broken_rule_shows_next_to_its_field_in_the_operators_language(string language, Words words)
    {
        var page = await OpenGatewaysAsync(locale: language);

        await page.GetByRole(AriaRole.Button, new() { Name = words.NewGateway }).ClickAsync();
        var name = page.GetByLabel(words.Name, new() { Exact = true });
        await Expect(name).ToBeFocusedAsync();
        await page.GetByLabel(words.BaseAddress).FillAsync("not an address");
        await page.GetByLabel(words.Temperature).FillAsync("5");
        await page.GetByLabel(words.Template).FillAsync("Answer briefly.");
        await page.GetByLabel("Top P").FillAsync("high");
        await page.GetByRole(AriaRole.Button, new() { Name = words.Create, Exact = true }).ClickAsync();

        await Expect(page.Locator("#name-error")).ToHaveTextAsync(words.Required);
        await Expect(page.Locator("#modelName-error")).ToHaveTextAsync(words.Required);
        await Expect(page.Locator("#baseAddress-error")).ToHaveTextAsync(words.NotAnAddress);
        await Expect(page.Locator("#temperature-error")).ToHaveTextAsync(words.OutOfRange);
        await Expect(page.Locator("#topP-error")).ToHaveTextAsync(words.NotANumber);
        await Expect(name).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByLabel(words.Temperature)).ToHaveAccessibleDescriptionAsync(words.OutOfRange);
        await SaveScreenshotAsync($"console-gateways-errors-{language}");

        // As in the API, a record's own check (the template's placeholder) runs once its fields pass their rules.
        await name.FillAsync("Support model");
        await page.GetByLabel(words.BaseAddress).FillAsync(Parley.Upstream.BaseAddress);
        await page.GetByLabel(words.ApiKey).FillAsync(ProviderKey);
        await page.GetByLabel(words.Model, new() { Exact = true }).FillAsync("gpt-4o-mini");
        await page.GetByLabel(words.Temperature).FillAsync(language == "en" ? "0.4" : "0,4");
        await page.GetByLabel("Top P").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = words.Create, Exact = true }).ClickAsync();
        await Expect(page.Locator("#userPromptTemplate-error")).ToHaveTextAsync(words.NoPlaceholder);
        await Expect(page.Locator("#name-error")).ToHaveCountAsync(0);
        await Expect(page.Locator("#baseAddress-error")).ToHaveCountAsync(0);

        await page.GetByLabel(words.Template).FillAsync("Question: {message}");
        await page.GetByRole(AriaRole.Button, new() { Name = words.Create, Exact = true }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync(words.Created);
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Support model" });
        await Expect(row).ToContainTextAsync("gpt-4o-mini");
        await Expect(row).ToContainTextAsync("sk-…3456");
        Assert.DoesNotContain(ProviderKey, await page.ContentAsync(), StringComparison.Ordinal);
        await SaveScreenshotAsync($"console-gateways-{language}");

        var gateway = await OnlyGatewayAsync();
        var parameters = gateway.GetProperty("parameters");
        Assert.Equal(0.4f, parameters.GetProperty("temperature").GetSingle());
        Assert.Equal("Question: {message}", parameters.GetProperty("userPromptTemplate").GetString());
        Assert.Equal(JsonValueKind.Null, parameters.GetProperty("topP").ValueKind);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task An_admin_edits_every_parameter_and_a_blank_key_keeps_the_stored_one()
    {
        var id = await Parley.CreateGatewayAsync(name: "Support model");
        var page = await OpenGatewaysAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Edit Support model" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Edit Support model" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("API key")).ToHaveValueAsync("");
        await Expect(page.GetByText("A key is stored (sk-…3456)")).ToBeVisibleAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Support model v2");
        await page.GetByLabel("Model", new() { Exact = true }).FillAsync("gpt-4.1");
        await page.GetByLabel("Temperature").FillAsync("1.2");
        await page.GetByLabel("Top P").FillAsync("0.9");
        await page.GetByLabel("Presence penalty").FillAsync("-0.5");
        await page.GetByLabel("Frequency penalty").FillAsync("0.5");
        await page.GetByLabel("Maximum reply tokens").FillAsync("300");
        await page.GetByLabel("Stop sequences").FillAsync("END\nSTOP");
        await page.GetByLabel("System instruction").FillAsync("You are the support desk of ACME.");
        await page.GetByLabel("User prompt template").FillAsync("<q>{message}</q>");
        await page.GetByLabel("Assistant prefill").FillAsync("Hello!");
        await page.GetByLabel("Accepts images").CheckAsync();
        await page.GetByLabel("Speech model (read aloud)").FillAsync("tts-1");
        await page.GetByLabel("Voice name").FillAsync("nova");
        await page.GetByLabel("Transcription model (voice input)").FillAsync("whisper-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The gateway Support model v2 was updated.");
        await Expect(page.GetByRole(AriaRole.Status)).ToBeFocusedAsync();
        var p = (await OnlyGatewayAsync()).GetProperty("parameters");
        Assert.Equal("gpt-4.1", p.GetProperty("modelName").GetString());
        Assert.Equal([1.2f, 0.9f, -0.5f, 0.5f], new[] { "temperature", "topP", "presencePenalty", "frequencyPenalty" }.Select(n => p.GetProperty(n).GetSingle()));
        Assert.Equal(300, p.GetProperty("maxCompletionTokens").GetInt32());
        Assert.Equal(["END", "STOP"], p.GetProperty("stop").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("You are the support desk of ACME.", p.GetProperty("systemInstruction").GetString());
        Assert.Equal("<q>{message}</q>", p.GetProperty("userPromptTemplate").GetString());
        Assert.Equal("Hello!", p.GetProperty("assistantPrefill").GetString());
        Assert.Equal("sk-…3456", p.GetProperty("apiKey").GetString());
        Assert.True(p.GetProperty("acceptsImages").GetBoolean());
        Assert.Equal(("tts-1", "nova", "whisper-1"),
            (p.GetProperty("speechModel").GetString(), p.GetProperty("voice").GetString(), p.GetProperty("transcriptionModel").GetString()));

        // The stored key still reaches the provider, with the new parameters.
        await page.GetByRole(AriaRole.Button, new() { Name = "Test connection of Support model v2" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The model answered");
        var sent = Parley.Upstream.Requests[^1];
        Assert.Equal($"Bearer {ProviderKey}", sent.Authorization);
        Assert.Equal("gpt-4.1", sent.Model);
        Assert.Equal("You are the support desk of ACME.", sent.Messages[0].Content);
        Assert.StartsWith("<q>", sent.Messages[^1].Content, StringComparison.Ordinal);

        // A new key replaces it; "Remove the stored key" makes the gateway keyless.
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit Support model v2" }).ClickAsync();
        await page.GetByLabel("API key").FillAsync("sk-rotated-key-987654");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Support model v2" })).ToContainTextAsync("sk-…7654");
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit Support model v2" }).ClickAsync();
        await page.GetByLabel("Remove the stored key").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Support model v2" })).ToContainTextAsync("none");
        Assert.Equal(JsonValueKind.Null, (await OnlyGatewayAsync()).GetProperty("parameters").GetProperty("apiKey").ValueKind);
        Assert.Equal(id, (await OnlyGatewayAsync()).GetProperty("id").GetGuid());
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Saving_a_gateway_keeps_the_research_settings_the_page_does_not_show()
    {
        RunLog.NoteSecret("BSA-console-search-key-0123");
        await Parley.CreateGatewayAsync(new
        {
            baseAddress = Parley.Upstream.BaseAddress, modelName = "gpt-4o-mini", readPages = true, maxToolRounds = 3,
            webSearch = new { provider = "brave", apiKey = "BSA-console-search-key-0123", maxResults = 4 },
        }, name: "Research model");
        var page = await OpenGatewaysAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Edit Research model" }).ClickAsync();
        await page.GetByLabel("Model", new() { Exact = true }).FillAsync("gpt-4.1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The gateway Research model was updated.");
        var p = (await OnlyGatewayAsync()).GetProperty("parameters");
        Assert.Equal("gpt-4.1", p.GetProperty("modelName").GetString());
        Assert.True(p.GetProperty("readPages").GetBoolean());
        Assert.Equal(3, p.GetProperty("maxToolRounds").GetInt32());
        var search = p.GetProperty("webSearch");
        Assert.Equal(("brave", 4, "BSA…0123"), (search.GetProperty("provider").GetString(), search.GetProperty("maxResults").GetInt32(), search.GetProperty("apiKey").GetString()));
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task An_admin_turns_on_web_search_page_reading_and_the_reasoning_effort_and_a_blank_search_key_keeps_the_stored_one()
    {
        RunLog.NoteSecret("tvly-console-key-445566");
        await Parley.CreateGatewayAsync(name: "Research model");
        var page = await OpenGatewaysAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Edit Research model" }).ClickAsync();
        await page.GetByLabel("Web search").SelectOptionAsync("tavily");
        await page.GetByLabel("Search key").FillAsync("tvly-console-key-445566");
        await page.GetByLabel("Results per search").FillAsync("3");
        await page.GetByLabel("The model may read web pages").CheckAsync();
        await page.GetByLabel("Reasoning effort").SelectOptionAsync("low");
        await page.GetByLabel("Tool rounds per reply").FillAsync("4");
        await SaveScreenshotAsync("console-gateways-research");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The gateway Research model was updated.");

        // Edited again with the key left blank: the stored key stays.
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit Research model" }).ClickAsync();
        await Expect(page.GetByLabel("Search key")).ToHaveValueAsync("");
        await Expect(page.GetByText("Stored: tvl…5566. Leave blank to keep it.")).ToBeVisibleAsync();
        await page.GetByLabel("Results per search").FillAsync("6");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The gateway Research model was updated.");

        var p = (await OnlyGatewayAsync()).GetProperty("parameters");
        var search = p.GetProperty("webSearch");
        Assert.Equal(("tavily", 6, "tvl…5566"), (search.GetProperty("provider").GetString(), search.GetProperty("maxResults").GetInt32(), search.GetProperty("apiKey").GetString()));
        Assert.True(p.GetProperty("readPages").GetBoolean());
        Assert.Equal(("low", 4), (p.GetProperty("reasoningEffort").GetString(), p.GetProperty("maxToolRounds").GetInt32()));
        AssertNoConsoleErrors();
    }

    [Theory]
    [InlineData("en", "The model answered in", "Test connection of Support model")]
    [InlineData("pt-BR", "O modelo respondeu em", "Testar conexão de Support model")]
    public async Task Test_connection_shows_the_models_answer(string language, string answered, string button)
    {
        await Parley.CreateGatewayAsync(name: "Support model");
        Parley.Upstream.Enqueue(ScriptedReply.Text("Ready", " to help."));
        var page = await OpenGatewaysAsync(locale: language);

        await page.GetByRole(AriaRole.Button, new() { Name = button }).ClickAsync();

        var status = page.GetByRole(AriaRole.Status);
        await Expect(status).ToContainTextAsync(answered);
        await Expect(status.Locator("q")).ToHaveTextAsync("Ready to help.");
        var sent = Parley.Upstream.Requests[^1];
        Assert.Equal("gpt-4o-mini", sent.Model);
        Assert.Equal("user", sent.Messages[^1].Role);
        await SaveScreenshotAsync($"console-gateways-test-ok-{language}");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Test_connection_shows_the_providers_error_with_its_code_and_status()
    {
        await Parley.CreateGatewayAsync(name: "Support model");
        Parley.Upstream.Enqueue(ScriptedReply.Error(401, "Incorrect API key provided."));
        var page = await OpenGatewaysAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Test connection of Support model" }).ClickAsync();

        var status = page.GetByRole(AriaRole.Status);
        await Expect(status).ToContainTextAsync("The test failed");
        await Expect(status).ToContainTextAsync("The model provider refused the gateway's API key.");
        await Expect(status.Locator("code")).ToHaveTextAsync("provider_auth_failed · HTTP 401");
        await SaveScreenshotAsync("console-gateways-test-failed");

        Parley.Upstream.Enqueue(ScriptedReply.Error(400, "The model `gpt-4o-mini` does not exist."));
        await page.GetByRole(AriaRole.Button, new() { Name = "Test connection of Support model" }).ClickAsync();
        await Expect(status.Locator("code")).ToHaveTextAsync("provider_rejected · HTTP 400");
        await Expect(status).ToContainTextAsync("It said: HTTP 400 (invalid_request_error: ) The model `gpt-4o-mini` does not exist.");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Test_connection_of_a_provider_nobody_answers_says_it_could_not_be_reached()
    {
        using var unanswered = await UnansweredPort.OpenAsync();
        await Parley.CreateGatewayAsync(new { baseAddress = unanswered.BaseAddress, modelName = "llama3" }, name: "Local model");
        var page = await OpenGatewaysAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Test connection of Local model" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status).Locator("code")).ToHaveTextAsync("provider_unreachable", new() { Timeout = 30_000 });
    }

    [Theory]
    [InlineData("en", "Delete Support model", "Support model cannot be deleted: the chat clients “Help desk”, “Sales” use it.")]
    [InlineData("pt-BR", "Excluir Support model", "Support model não pode ser excluído: os clientes de chat “Help desk”, “Sales” o usam.")]
    public async Task Delete_is_refused_while_chat_clients_use_the_gateway_and_names_them(string language, string delete, string refusal)
    {
        var gateway = await Parley.CreateGatewayAsync(name: "Support model");
        foreach (var name in new[] { "Sales", "Help desk" })
            (await Parley.Admin.PostAsJsonAsync("/api/v1/web-chat-client", new { name, aiGatewayId = gateway }, Ct)).EnsureSuccessStatusCode();
        await Parley.CreateGatewayAsync(name: "Spare model");
        var page = await OpenGatewaysAsync(locale: language);
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Support model" })).ToContainTextAsync("Help desk, Sales");

        await page.GetByRole(AriaRole.Button, new() { Name = delete }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync(refusal);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = language == "en" ? "Delete" : "Excluir", Exact = true })).ToHaveCountAsync(0);
        await SaveScreenshotAsync($"console-gateways-in-use-{language}");
        using (var still = await Parley.Admin.GetAsync($"/api/v1/ai-gateways/{gateway}", Ct)) still.EnsureSuccessStatusCode();

        await page.GetByRole(AriaRole.Button, new() { Name = language == "en" ? "Delete Spare model" : "Excluir Spare model" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Button, new() { Name = language == "en" ? "Delete" : "Excluir", Exact = true });
        await Expect(confirm).ToBeFocusedAsync();
        await confirm.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync(language == "en" ? "The gateway Spare model was deleted." : "O gateway Spare model foi excluído.");
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Spare model" })).ToHaveCountAsync(0);
        AssertNoConsoleErrors();
    }

    [Theory]
    [InlineData("en", "AI gateways", "You may not open this page.")]
    [InlineData("pt-BR", "Gateways de IA", "Você não pode abrir esta página.")]
    public async Task An_agent_has_no_link_to_gateways_and_a_direct_visit_is_denied(string language, string gateways, string denied)
    {
        await Parley.CreateOperatorAsync("ana", Password, role: "agent", displayName: "Ana Lima");
        var page = await OpenPageAsync(locale: language);
        await SignInAsync(page, "ana");
        await WaitUntilLiveAsync(page);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = gateways })).ToHaveCountAsync(0);

        await page.GotoAsync(Url("/console/gateways"));

        await Expect(page).ToHaveURLAsync(new Regex("/console/denied"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = denied })).ToBeVisibleAsync();
        // Neither a key nor its masked hint; a bare "sk-" can occur in the page's random tokens.
        var content = await page.ContentAsync();
        Assert.DoesNotContain(ProviderKey, content, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-…", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_keyboard_alone_creates_and_tests_a_gateway()
    {
        var page = await OpenPageAsync();
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Fgateways");
        await WaitUntilLiveAsync(page);
        var newGateway = page.GetByRole(AriaRole.Button, new() { Name = "New gateway" });

        for (var i = 0; i < 20 && !await newGateway.EvaluateAsync<bool>("b => b === document.activeElement"); i++) await page.Keyboard.PressAsync("Tab");
        await Expect(newGateway).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByLabel("Name", new() { Exact = true })).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("Keyboard model");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(Parley.Upstream.BaseAddress);
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(ProviderKey);
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Model", new() { Exact = true })).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("gpt-4o-mini");
        await page.Keyboard.PressAsync("Enter");   // Enter in a field sends its form

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The gateway Keyboard model was created.");
        await Expect(page.GetByRole(AriaRole.Status)).ToBeFocusedAsync();
        var test = page.GetByRole(AriaRole.Button, new() { Name = "Test connection of Keyboard model" });
        for (var i = 0; i < 30 && !await test.EvaluateAsync<bool>("b => b === document.activeElement"); i++) await page.Keyboard.PressAsync("Tab");
        await Expect(test).ToBeFocusedAsync();
        Assert.True(await page.EvaluateAsync<bool>(
            "() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }"));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The model answered");
    }

    [Fact]
    public async Task Markup_in_a_gateways_name_and_in_the_models_answer_is_shown_as_text()
    {
        const string markup = "<img src=x onerror=\"document.title='pwned'\">";
        await Parley.CreateGatewayAsync(name: markup);
        Parley.Upstream.Enqueue(ScriptedReply.Text("<script>document.title='pwned'</script>", markup));
        var page = await OpenGatewaysAsync();

        await Expect(page.GetByRole(AriaRole.Rowheader, new() { Name = markup })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Test connection of {markup}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Locator("q")).ToHaveTextAsync("<script>document.title='pwned'</script>" + markup);
        await page.GetByRole(AriaRole.Button, new() { Name = $"Edit {markup}" }).ClickAsync();
        await Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync(markup);

        await Expect(page.Locator("main img")).ToHaveCountAsync(0);
        Assert.NotEqual("pwned", await page.TitleAsync());
    }

    [Fact]
    public async Task On_a_phone_each_gateway_is_a_card_and_the_editor_fits_the_screen()
    {
        await Parley.CreateGatewayAsync(name: "Support model with a rather long name");
        var page = await OpenPhonePageAsync();
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Fgateways");
        await WaitUntilLiveAsync(page);

        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Test connection of Support model with a rather long name" })).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"));
        await SaveScreenshotAsync("console-gateways-phone");

        await page.GetByRole(AriaRole.Button, new() { Name = "Edit Support model with a rather long name" }).ClickAsync();
        await Expect(page.GetByLabel("Temperature")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"));
        await SaveScreenshotAsync("console-gateways-phone-edit");
    }

    async Task<IPage> OpenGatewaysAsync(string? locale = null)
    {
        var page = await OpenPageAsync(locale: locale);
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Fgateways");
        await WaitUntilLiveAsync(page);
        return page;
    }

    async Task<JsonElement> OnlyGatewayAsync()
    {
        using var list = await Parley.Admin.GetAsync("/api/v1/ai-gateways", Ct);
        return Assert.Single((await list.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("data").EnumerateArray());
    }

    public sealed record Words(
        string NewGateway, string Name, string BaseAddress, string ApiKey, string Model, string Temperature, string Template, string Create,
        string Required, string NotAnAddress, string OutOfRange, string NoPlaceholder, string NotANumber, string Created);
}
