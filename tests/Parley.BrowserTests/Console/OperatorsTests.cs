using System.Net;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.Console;

/// <summary>The Operators page: an admin makes and manages the accounts people sign in with.</summary>
public sealed class OperatorsTests(BrowserFixture browser) : ConsoleTest(browser)
{
    public static TheoryData<string, Words> Languages => new()
    {
        { "en", new("New operator", "User name", "Display name", "Password", "Role", "Create",
            "Enter a user name.", "Enter a display name.", "The password needs at least 10 characters.",
            "This user name is taken.", "The account ana was created.", "Agent") },
        { "pt-BR", new("Novo operador", "Nome de usuário", "Nome de exibição", "Senha", "Função", "Criar",
            "Informe um nome de usuário.", "Informe um nome de exibição.", "A senha precisa ter pelo menos 10 caracteres.",
            "Este nome de usuário já está em uso.", "A conta ana foi criada.", "Agente") },
    };

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task An_admin_creates_an_account_and_each_broken_rule_shows_next_to_its_field_in_the_operators_language(string language, Words words)
    {
        var page = await OpenPageAsync(locale: language);
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Foperators");
        await WaitUntilLiveAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = words.NewOperator }).ClickAsync();
        var userName = page.GetByLabel(words.UserName);
        await Expect(userName).ToBeFocusedAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = words.Create }).ClickAsync();
        await Expect(page.Locator("#userName-error")).ToHaveTextAsync(words.UserNameRequired);
        await Expect(page.Locator("#displayName-error")).ToHaveTextAsync(words.DisplayNameRequired);
        // No password is no mistake: the account is then made for an invitation.
        await Expect(page.Locator("#password-error")).ToHaveCountAsync(0);
        await Expect(userName).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(userName).ToHaveAccessibleDescriptionAsync(words.UserNameRequired);

        await userName.FillAsync("ana");
        await page.GetByLabel(words.DisplayName).FillAsync("Ana Lima");
        await page.GetByLabel(words.Password, new() { Exact = true }).FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = words.Create }).ClickAsync();
        await Expect(page.Locator("#password-error")).ToHaveTextAsync(words.PasswordTooShort);
        await Expect(page.Locator("#userName-error")).ToHaveCountAsync(0);
        await SaveScreenshotAsync($"console-operators-errors-{language}");

        await page.GetByLabel(words.Password, new() { Exact = true }).FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = words.Create }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync(words.Created);
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Ana Lima" });
        await Expect(row.GetByRole(AriaRole.Rowheader)).ToHaveTextAsync("ana");
        await Expect(row).ToContainTextAsync(words.Agent);

        await page.GetByRole(AriaRole.Button, new() { Name = words.NewOperator }).ClickAsync();
        await page.GetByLabel(words.UserName).FillAsync("ANA");
        await page.GetByLabel(words.DisplayName).FillAsync("Other Ana");
        await page.GetByLabel(words.Password, new() { Exact = true }).FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = words.Create }).ClickAsync();
        await Expect(page.Locator("#userName-error")).ToHaveTextAsync(words.UserNameTaken);
        await page.GetByRole(AriaRole.Button, new() { Name = language == "en" ? "Cancel" : "Cancelar" }).ClickAsync();
        await SaveScreenshotAsync($"console-operators-{language}");

        using var console = Parley.Console();
        await console.SignInAsync("ana", Password, Ct);   // the account works
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task An_admin_edits_an_account_sets_a_new_password_that_lifts_its_lockout_disables_enables_and_deletes_it()
    {
        var id = await Parley.CreateOperatorAsync("ana", Password, role: "agent", displayName: "Ana Lima");
        using var console = Parley.Console();
        for (var i = 0; i < 5; i++) (await console.PostLoginAsync("ana", "wrong password", ct: Ct)).Dispose();
        var page = await OpenPageAsync();
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Foperators");
        await WaitUntilLiveAsync(page);
        var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "ana" }) });
        await Expect(row).ToContainTextAsync("Locked out");

        await page.GetByRole(AriaRole.Button, new() { Name = "Edit ana" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Edit ana" })).ToBeVisibleAsync();
        await page.GetByLabel("Display name").FillAsync("Ana L. Souza");
        await page.GetByLabel("Role").SelectOptionAsync("admin");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The account ana was updated.");
        await Expect(row).ToContainTextAsync("Ana L. Souza");
        await Expect(row).ToContainTextAsync("Admin");

        await page.GetByRole(AriaRole.Button, new() { Name = "New password for ana" }).ClickAsync();
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("a brand new password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The password of ana was changed.");
        await Expect(row).ToContainTextAsync("Active");
        await console.SignInAsync("ana", "a brand new password", Ct);

        await page.GetByRole(AriaRole.Button, new() { Name = "Disable ana" }).ClickAsync();
        await Expect(row).ToContainTextAsync("Disabled");
        using (var refused = await console.PostLoginAsync("ana", "a brand new password", ct: Ct))
            Assert.Contains("The user name or the password is wrong.", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "Enable ana" }).ClickAsync();
        await Expect(row).ToContainTextAsync("Active");

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete ana" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Delete ana?" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true })).ToBeFocusedAsync();
        await SaveScreenshotAsync("console-operators-delete");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(1);
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete ana" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The account ana was deleted.");
        await Expect(row).ToHaveCountAsync(0);
        using var gone = await Parley.Admin.GetAsync($"/api/v1/operators/{id}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task The_keyboard_alone_creates_an_account_and_the_focus_is_always_visible()
    {
        var page = await OpenPageAsync();
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Foperators");
        await WaitUntilLiveAsync(page);
        var newOperator = page.GetByRole(AriaRole.Button, new() { Name = "New operator" });

        for (var i = 0; i < 20 && !await newOperator.EvaluateAsync<bool>("b => b === document.activeElement"); i++) await page.Keyboard.PressAsync("Tab");
        await Expect(newOperator).ToBeFocusedAsync();
        Assert.True(await FocusRingAsync(page), "The focused button shows no focus ring.");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByLabel("User name")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("bea");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("Bea Costa");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(Password);
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Role")).ToBeFocusedAsync();
        Assert.True(await FocusRingAsync(page), "The focused select shows no focus ring.");
        await page.Keyboard.PressAsync("ArrowUp");   // from agent up to admin
        await page.Keyboard.PressAsync("Shift+Tab");
        await page.Keyboard.PressAsync("Enter");   // Enter in a field sends its form

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The account bea was created.");
        await Expect(page.GetByRole(AriaRole.Status)).ToBeFocusedAsync();
        using var list = await Parley.Admin.GetAsync("/api/v1/operators", Ct);
        var account = (await list.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("data")[0];
        Assert.Equal(("bea", "Bea Costa", "admin"), (account.GetProperty("userName").GetString(), account.GetProperty("displayName").GetString(), account.GetProperty("role").GetString()));
    }

    [Fact]
    public async Task Names_that_look_like_markup_are_shown_as_text()
    {
        const string markup = "<img src=x onerror=\"document.title='pwned'\">";
        await Parley.CreateOperatorAsync("mallory", Password, displayName: markup);
        var page = await OpenPageAsync();
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Foperators");
        await WaitUntilLiveAsync(page);

        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = markup })).ToBeVisibleAsync();
        await Expect(page.Locator("img")).ToHaveCountAsync(0);
        Assert.NotEqual("pwned", await page.TitleAsync());
    }

    [Fact]
    public async Task On_a_phone_each_account_is_a_card_and_nothing_scrolls_sideways()
    {
        await Parley.CreateOperatorAsync("ana", Password, role: "admin", displayName: "Ana Lima");
        await Parley.CreateOperatorAsync("bruno.costa@example.com", Password, displayName: "Bruno Costa de Oliveira Santos");
        var page = await OpenPhonePageAsync();
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Foperators");
        await WaitUntilLiveAsync(page);

        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete bruno.costa@example.com" })).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"));
        await SaveScreenshotAsync("console-operators-phone");
    }

    static Task<bool> FocusRingAsync(IPage page) => page.EvaluateAsync<bool>(
        "() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }");

    [Fact]
    public async Task An_account_made_without_a_password_gets_an_invitation_link_with_which_its_person_chooses_one_and_is_signed_in()
    {
        var page = await OpenPageAsync();
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Foperators");
        await WaitUntilLiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "New operator" }).ClickAsync();
        await page.GetByLabel("User name").FillAsync("maria");
        await page.GetByLabel("Display name").FillAsync("Maria <b>Souza</b>");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();

        var link = page.GetByLabel("Invitation link", new() { Exact = true });
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("An invitation link for maria is ready.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Copy link" })).ToBeFocusedAsync();
        var url = await link.InputValueAsync();
        Assert.StartsWith(Url("/console/welcome?account="), url, StringComparison.Ordinal);
        await SaveScreenshotAsync("console-operators-invitation");

        var invited = await OpenPageAsync(locale: "pt-BR");
        await invited.GotoAsync(url);
        await Expect(invited.GetByRole(AriaRole.Heading, new() { Name = "Bem-vindo ao Parley" })).ToBeVisibleAsync();
        await invited.GetByLabel("Nova senha").FillAsync("short");
        await invited.GetByRole(AriaRole.Button, new() { Name = "Definir senha e entrar" }).ClickAsync();
        await Expect(invited.GetByRole(AriaRole.Alert)).ToHaveTextAsync("A senha precisa ter pelo menos 10 caracteres.");
        await SaveScreenshotAsync("console-welcome-pt-BR", invited);
        await invited.GetByLabel("Nova senha").FillAsync(Password);
        await invited.GetByRole(AriaRole.Button, new() { Name = "Definir senha e entrar" }).ClickAsync();
        await Expect(invited).ToHaveURLAsync(Url("/console/chats"));
        await Expect(invited.Locator(".console-user")).ToContainTextAsync("Maria <b>Souza</b>");

        // The link is spent: a second visit is told so and is not signed in.
        var late = await OpenPageAsync();
        await late.GotoAsync(url);
        await late.GetByLabel("New password").FillAsync("another long password");
        await late.GetByRole(AriaRole.Button, new() { Name = "Set password and sign in" }).ClickAsync();
        await Expect(late.GetByRole(AriaRole.Alert)).ToContainTextAsync("This invitation link is not valid any more");
        AssertNoConsoleErrors();
    }

    public sealed record Words(
        string NewOperator, string UserName, string DisplayName, string Password, string Role, string Create,
        string UserNameRequired, string DisplayNameRequired, string PasswordTooShort,
        string UserNameTaken, string Created, string Agent);
}
