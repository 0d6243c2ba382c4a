using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.Console;

/// <summary>What the console's browser tests share: signing in through the login page, and waiting for a live page.</summary>
public abstract class ConsoleTest(BrowserFixture browser) : BrowserTest(browser)
{
    protected const string Password = "correct horse battery";

    /// <summary>Signs in on the login page as a person does; with no user name, with the admin key.</summary>
    protected async Task SignInAsync(IPage page, string? userName = null, string password = Password, string path = "/console/login")
    {
        await page.GotoAsync(new Uri(Parley.BaseAddress, path).ToString());
        await FillSignInAsync(page, userName, password);
        await Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/login"));
    }

    protected static async Task FillSignInAsync(IPage page, string? userName, string password = Password)
    {
        if (userName is null)
        {
            await page.GetByLabel("Admin key").Or(page.GetByLabel("Chave de administrador")).FillAsync(Testing.TestParley.AdminKey);
        }
        else
        {
            await page.GetByLabel("User name").Or(page.GetByLabel("Nome de usuário")).FillAsync(userName);
            await page.GetByLabel("Password", new() { Exact = true }).Or(page.GetByLabel("Senha", new() { Exact = true })).FillAsync(password);
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).Or(page.GetByRole(AriaRole.Button, new() { Name = "Entrar" })).ClickAsync();
    }

    /// <summary>Waits until the page's circuit has rendered it: from then on its buttons answer.</summary>
    protected static Task WaitUntilLiveAsync(IPage page) => Expect(page.Locator("[data-console-live]")).ToBeAttachedAsync();

    protected string Url(string path) => new Uri(Parley.BaseAddress, path).ToString();
}
