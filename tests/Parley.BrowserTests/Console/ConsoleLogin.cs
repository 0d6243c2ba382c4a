using System.Text.RegularExpressions;
using Parley.Testing;

namespace Parley.BrowserTests.Console;

/// <summary>Signs a page in to the console as an operator does: the login page, the admin key, "Sign in".</summary>
public static partial class ConsoleLogin
{
    public static async Task SignInWithAdminKeyAsync(this IPage page, TestParley parley, string language = "en")
    {
        // The login form is used once its whole document is in (its antiforgery field included), not once every script
        // has loaded: a loaded machine may take a while to fire the load event. Later navigations wait only for the
        // response; what follows waits for the element it needs.
        await page.GotoAsync(new Uri(parley.BaseAddress, "/console/login").ToString(), new() { WaitUntil = WaitUntilState.DOMContentLoaded });
        var commit = new PageGotoOptions { WaitUntil = WaitUntilState.Commit };
        await page.GetByLabel("Admin key").FillAsync(TestParley.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // The address is polled: waiting for a navigation to commit hangs when the redirect has already landed.
        await Assertions.Expect(page).ToHaveURLAsync(ChatsPage(), new() { Timeout = 30_000 });
        if (language != "en") await page.GotoAsync(new Uri(parley.BaseAddress, $"/console/language/{language}?returnUrl=/console/chats").ToString(), commit);
        // The list appears once the page's circuit runs: from then on the page answers clicks and keys.
        await Assertions.Expect(page.Locator(".sessions-tools")).ToBeVisibleAsync(new() { Timeout = 30_000 });
    }

    [GeneratedRegex("/console/chats$")]
    private static partial Regex ChatsPage();
}
