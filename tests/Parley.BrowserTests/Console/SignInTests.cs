using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.Console;

/// <summary>Signing in to the console and out of it, as operators do it in a browser.</summary>
public sealed class SignInTests(BrowserFixture browser) : ConsoleTest(browser)
{
    [Fact]
    public async Task The_admin_key_opens_the_chats_and_after_signing_out_the_back_button_shows_no_console_page()
    {
        var page = await OpenPageAsync();
        await page.GotoAsync(Url("/console/login"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Parley" })).ToBeVisibleAsync();
        await SaveScreenshotAsync("console-login-en");

        await FillSignInAsync(page, userName: null);
        await Expect(page).ToHaveURLAsync(Url("/console/chats"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Chats", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Operators" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(Url("/console/login"));
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "parley.console");

        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/console/login\\?returnUrl=%2Fconsole%2Fchats$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Chats" })).ToHaveCountAsync(0);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Wrong_passwords_say_so_without_telling_which_part_then_lock_the_account_with_its_minutes()
    {
        await Parley.CreateOperatorAsync("ana", Password);
        var page = await OpenPageAsync();
        await page.GotoAsync(Url("/console/login"));
        var alert = page.GetByRole(AriaRole.Alert);

        await FillSignInAsync(page, "nobody", "whatever it is");
        await Expect(alert).ToHaveTextAsync("The user name or the password is wrong.");
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await FillSignInAsync(page, "ana", $"wrong password {attempt}");
            await Expect(alert).ToHaveTextAsync("The user name or the password is wrong.");
        }
        await Expect(page.GetByLabel("User name")).ToHaveValueAsync("ana");
        await Expect(page.GetByLabel("Password", new() { Exact = true })).ToHaveValueAsync("");
        await SaveScreenshotAsync("console-login-wrong-password");

        await FillSignInAsync(page, "ana", "wrong password 5");
        await Expect(alert).ToHaveTextAsync("This account is locked after too many failed attempts. Try again in 15 minutes.");
        await FillSignInAsync(page, "ana", Password);
        await Expect(alert).ToContainTextAsync("This account is locked");
        Assert.DoesNotContain(Password, await page.ContentAsync(), StringComparison.Ordinal);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task A_signed_out_visit_to_operators_signs_in_and_comes_back_there()
    {
        var page = await OpenPageAsync();

        await page.GotoAsync(Url("/console/operators"));
        await Expect(page).ToHaveURLAsync(new Regex("/console/login\\?returnUrl=%2Fconsole%2Foperators$"));
        await FillSignInAsync(page, userName: null);

        await Expect(page).ToHaveURLAsync(Url("/console/operators"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Operators", Level = 1 })).ToBeVisibleAsync();
    }

    [Theory]
    [InlineData("en", "Chats", "Operators", "You may not open this page.")]
    [InlineData("pt-BR", "Conversas", "Operadores", "Você não pode abrir esta página.")]
    public async Task An_agent_has_no_way_to_operators_and_a_direct_visit_is_denied(string language, string chats, string operators, string denied)
    {
        await Parley.CreateOperatorAsync("ana", Password, role: "agent", displayName: "Ana Lima");
        var page = await OpenPageAsync(locale: language);
        await SignInAsync(page, "ana");
        await Expect(page).ToHaveURLAsync(Url("/console/chats"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = chats, Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = operators })).ToHaveCountAsync(0);

        await page.GotoAsync(Url("/console/operators"));

        await Expect(page).ToHaveURLAsync(new Regex("/console/denied"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = denied })).ToBeVisibleAsync();
        await SaveScreenshotAsync($"console-denied-{language}");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task The_browsers_language_comes_first_and_the_operators_choice_then_holds_on_every_page()
    {
        var page = await OpenPageAsync(locale: "pt-BR");
        await page.GotoAsync(Url("/console/login"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Entrar no Parley" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Nome de usuário")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Chave de administrador")).ToBeVisibleAsync();
        await SaveScreenshotAsync("console-login-pt-BR");

        await page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Parley" })).ToBeVisibleAsync();
        await FillSignInAsync(page, userName: null);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Chats", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Português" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Conversas", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sair" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Operadores" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Operadores", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "pt-BR");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Disabling_an_account_ends_its_open_page_within_a_minute()
    {
        var id = await Parley.CreateOperatorAsync("ana", Password, role: "admin");
        var page = await OpenPageAsync();
        await SignInAsync(page, "ana", path: "/console/login?returnUrl=%2Fconsole%2Foperators");
        await WaitUntilLiveAsync(page);

        using var disabled = await Parley.Admin.PutAsJsonAsync($"/api/v1/operators/{id}", new { displayName = "ana", role = "admin", disabled = true }, Ct);
        disabled.EnsureSuccessStatusCode();
        Parley.Clock.Advance(TimeSpan.FromSeconds(61));

        await Expect(page).ToHaveURLAsync(new Regex("/console/login\\?returnUrl=%2Fconsole%2Foperators$"));
        await Expect(page.GetByRole(AriaRole.Table)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_open_page_stays_signed_in_while_used_and_leaves_for_the_login_page_after_30_idle_minutes()
    {
        var page = await OpenPageAsync();
        await page.Clock.InstallAsync();
        await SignInAsync(page, path: "/console/login?returnUrl=%2Fconsole%2Foperators");
        await WaitUntilLiveAsync(page);

        await PassAsync(page, minutes: 20);
        var renewed = page.WaitForResponseAsync(r => r.Url.EndsWith("/console/session", StringComparison.Ordinal) && r.Request.Method == "POST");
        await page.Keyboard.PressAsync("Shift");
        Assert.Equal(204, (await renewed).Status);
        await PassAsync(page, minutes: 20);
        await Expect(page).ToHaveURLAsync(Url("/console/operators"));   // 40 minutes open, 20 since it was used

        await PassAsync(page, minutes: 11);

        await Expect(page).ToHaveURLAsync(new Regex("/console/login\\?returnUrl=%2Fconsole%2Foperators$"));
    }

    [Fact]
    public async Task The_login_page_fits_a_phone()
    {
        var page = await OpenPhonePageAsync();
        await page.GotoAsync(Url("/console/login"));

        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeInViewportAsync();
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"));
        await SaveScreenshotAsync("console-login-phone");
    }

    /// <summary>Time passes for both Parley and the page.</summary>
    async Task PassAsync(IPage page, int minutes)
    {
        Parley.Clock.Advance(TimeSpan.FromMinutes(minutes));
        await page.Clock.FastForwardAsync(minutes * 60_000);
    }
}
