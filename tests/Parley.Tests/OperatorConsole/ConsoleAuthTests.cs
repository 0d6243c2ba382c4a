using System.Net;
using Parley.Testing;

namespace Parley.Tests.OperatorConsole;

/// <summary>Signing in to the console and staying signed in, over HTTP as a browser does it.</summary>
public sealed class ConsoleAuthTests
{
    const string Password = "correct horse battery";
    const string WrongPasswordText = "The user name or the password is wrong.";

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_admin_key_signs_in_with_an_HttpOnly_SameSite_cookie_and_lands_on_the_chats()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        using var console = parley.Console();

        using var signedIn = await console.PostLoginAsync(adminKey: TestParley.AdminKey, ct: Ct);

        Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        Assert.Equal("/console/chats", signedIn.Headers.Location?.AbsolutePath);
        var cookie = SetCookie(signedIn, "parley.console");
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);   // plain HTTP here
        Assert.Contains("<h1 class=\"visually-hidden\">Chats</h1>", await PageAsync(console, "/console/chats"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operator_account_signs_in_and_a_wrong_password_or_unknown_name_get_the_same_answer()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        await parley.CreateOperatorAsync("ana", Password);
        using var console = parley.Console();

        using var wrongPassword = await console.PostLoginAsync("ana", "not the password", ct: Ct);
        using var unknownName = await console.PostLoginAsync("nobody", "not the password", ct: Ct);
        using var noPassword = await console.PostLoginAsync("ana", "", ct: Ct);
        using var signedIn = await console.PostLoginAsync("ana", Password, ct: Ct);

        var wrongPage = await wrongPassword.Content.ReadAsStringAsync(Ct);
        var unknownPage = await unknownName.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, wrongPassword.StatusCode);
        Assert.Contains(WrongPasswordText, wrongPage, StringComparison.Ordinal);
        Assert.Contains(WrongPasswordText, unknownPage, StringComparison.Ordinal);
        Assert.Equal(Alert(wrongPage), Alert(unknownPage));
        Assert.Contains("Enter a user name and a password, or the admin key.", await noPassword.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Contains("value=\"ana\"", wrongPage, StringComparison.Ordinal);   // the name stays, the password does not
        Assert.DoesNotContain("not the password", wrongPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        Assert.Equal("/console/chats", signedIn.Headers.Location?.AbsolutePath);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_for_15_minutes_even_for_the_right_one_until_an_admin_sets_a_new_password()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var id = await parley.CreateOperatorAsync("ana", Password);
        using var console = parley.Console();

        for (var i = 0; i < 4; i++)
        {
            using var wrong = await console.PostLoginAsync("ana", $"wrong password {i}", ct: Ct);
            Assert.Contains(WrongPasswordText, await wrong.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        using var fifth = await console.PostLoginAsync("ana", "wrong password 5", ct: Ct);
        parley.Clock.Advance(TimeSpan.FromMinutes(5));
        using var rightButLocked = await console.PostLoginAsync("ana", Password, ct: Ct);
        using var listed = await parley.Admin.GetAsync($"/api/v1/operators/{id}", Ct);
        using var reset = await parley.Admin.PostAsJsonAsync($"/api/v1/operators/{id}/password", new { password = "a brand new password" }, Ct);
        using var oldPassword = await console.PostLoginAsync("ana", Password, ct: Ct);
        using var newPassword = await console.PostLoginAsync("ana", "a brand new password", ct: Ct);

        Assert.Contains("This account is locked after too many failed attempts. Try again in 15 minutes.",
            await fifth.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, rightButLocked.StatusCode);
        Assert.Contains("Try again in 10 minutes.", await rightButLocked.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.True((await listed.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct)).GetProperty("data").GetProperty("lockedOut").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Contains(WrongPasswordText, await oldPassword.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, newPassword.StatusCode);
    }

    [Fact]
    public async Task A_lockout_ends_after_15_minutes_on_Parleys_clock()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        await parley.CreateOperatorAsync("ana", Password);
        using var console = parley.Console();
        for (var i = 0; i < 5; i++) (await console.PostLoginAsync("ana", "wrong password", ct: Ct)).Dispose();

        parley.Clock.Advance(TimeSpan.FromMinutes(14.5));
        using var stillLocked = await console.PostLoginAsync("ana", Password, ct: Ct);
        parley.Clock.Advance(TimeSpan.FromMinutes(1));
        using var open = await console.PostLoginAsync("ana", Password, ct: Ct);

        Assert.Contains("Try again in 1 minute.", await stillLocked.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, open.StatusCode);
    }

    [Fact]
    public async Task Signing_out_removes_the_cookie_and_the_console_asks_to_sign_in_again()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        using var console = parley.Console();
        await console.SignInWithAdminKeyAsync(Ct);

        using var signedOut = await console.SignOutAsync(Ct);
        using var chats = await console.GetAsync("/console/chats", Ct);

        Assert.Equal(HttpStatusCode.Found, signedOut.StatusCode);
        Assert.Equal("/console/login", signedOut.Headers.Location?.OriginalString);
        Assert.Contains("expires=Thu, 01 Jan 1970", SetCookie(signedOut, "parley.console"), StringComparison.OrdinalIgnoreCase);
        Assert.Null(console.SignInCookie);
        Assert.Equal(HttpStatusCode.Found, chats.StatusCode);
        Assert.Equal("/console/login", chats.Headers.Location?.AbsolutePath);
    }

    [Theory]
    [InlineData("/console/login")]
    [InlineData("/console/denied")]
    [InlineData("/console/chats")]
    [InlineData("/console/operators")]
    [InlineData("/console/no-such-page")]
    public async Task Console_pages_are_never_kept_by_the_browser(string path)
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        using var console = parley.Console();
        await console.SignInWithAdminKeyAsync(Ct);

        using var page = await console.GetAsync(path, Ct);

        Assert.True(page.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{path}: {(int)page.StatusCode}");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", page.Headers.CacheControl?.ToString());
    }

    [Theory]
    [InlineData("/console/chats", "/console/chats")]
    [InlineData("/console/operators", "/console/operators")]
    [InlineData("/console/anything", "/console/anything")]
    [InlineData("/console/anything/deeper?x=1", "/console/anything/deeper?x=1")]
    public async Task A_signed_out_visit_goes_to_the_login_page_and_back_there_after_signing_in(string path, string returnUrl)
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        using var console = parley.Console();

        using var visit = await console.GetAsync(path, Ct);
        using var signedIn = await console.PostLoginAsync(adminKey: TestParley.AdminKey, returnUrl: returnUrl, ct: Ct);
        using var back = await console.GetAsync(signedIn.Headers.Location!.PathAndQuery, Ct);

        Assert.Equal(HttpStatusCode.Found, visit.StatusCode);
        Assert.Equal($"/console/login?returnUrl={Uri.EscapeDataString(returnUrl)}", visit.Headers.Location?.PathAndQuery);
        Assert.Equal(returnUrl, signedIn.Headers.Location?.PathAndQuery);
        Assert.True(back.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound);
        Assert.Equal("text/html", back.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_console_address_itself_leads_to_the_chats()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        using var console = parley.Console();

        using var home = await console.GetAsync("/console", Ct);

        Assert.Equal("/console/chats", home.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("https://evil.example/console")]
    [InlineData("//evil.example/console")]
    [InlineData("/\\evil.example")]
    [InlineData("/console\\..\\..\\evil.example")]
    [InlineData("/console/\r\nSet-Cookie: a=b")]
    [InlineData("javascript:alert(1)")]
    [InlineData("/consolex")]
    [InlineData("/api/v1/operators")]
    public async Task A_return_address_never_leads_off_the_console(string returnUrl)
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        using var console = parley.Console();

        using var signedIn = await console.PostLoginAsync(adminKey: TestParley.AdminKey, returnUrl: returnUrl, ct: Ct);
        using var language = await console.GetAsync($"/console/language/pt-BR?returnUrl={Uri.EscapeDataString(returnUrl)}", Ct);

        Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        Assert.Equal(new Uri(parley.BaseAddress, "/console/chats"), signedIn.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, language.StatusCode);
        Assert.Equal("/console/chats", language.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task An_agent_opens_the_chats_but_is_sent_to_the_denied_page_from_operators_and_sees_no_link_to_it()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        await parley.CreateOperatorAsync("ana", Password, role: "agent");
        using var console = parley.Console();
        await console.SignInAsync("ana", Password, Ct);

        var chats = await PageAsync(console, "/console/chats");
        using var operators = await console.GetAsync("/console/operators", Ct);
        var denied = await PageAsync(console, operators.Headers.Location!.PathAndQuery);

        Assert.Contains("<h1 class=\"visually-hidden\">Chats</h1>", chats, StringComparison.Ordinal);
        Assert.DoesNotContain("/console/operators", chats, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, operators.StatusCode);
        Assert.Equal("/console/denied", operators.Headers.Location?.AbsolutePath);
        Assert.Contains("You may not open this page.", denied, StringComparison.Ordinal);
    }

    public static TheoryData<string> Changes => ["disabled", "role changed", "new password", "deleted"];

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task A_change_to_an_account_ends_its_open_session_within_a_minute(string change)
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var id = await parley.CreateOperatorAsync("ana", Password, role: "admin");
        using var console = parley.Console();
        await console.SignInAsync("ana", Password, Ct);
        using var before = await console.GetAsync("/console/chats", Ct);

        using var changed = change switch
        {
            "disabled" => await parley.Admin.PutAsJsonAsync($"/api/v1/operators/{id}", new { displayName = "ana", role = "admin", disabled = true }, Ct),
            "role changed" => await parley.Admin.PutAsJsonAsync($"/api/v1/operators/{id}", new { displayName = "ana", role = "agent" }, Ct),
            "new password" => await parley.Admin.PostAsJsonAsync($"/api/v1/operators/{id}/password", new { password = "a brand new password" }, Ct),
            _ => await parley.Admin.DeleteAsync($"/api/v1/operators/{id}", Ct),
        };
        parley.Clock.Advance(TimeSpan.FromSeconds(61));
        using var after = await console.GetAsync("/console/chats", Ct);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.True(changed.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Found, after.StatusCode);
        Assert.Equal("/console/login", after.Headers.Location?.AbsolutePath);
        Assert.Null(console.SignInCookie);
    }

    [Fact]
    public async Task A_session_ends_after_30_minutes_without_use_and_each_use_slides_it()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        using var console = parley.Console();
        await console.SignInWithAdminKeyAsync(Ct);

        var statuses = new List<HttpStatusCode>();
        foreach (var minutes in new[] { 29, 29, 29 })
        {
            parley.Clock.Advance(TimeSpan.FromMinutes(minutes));
            using var used = await console.GetAsync("/console/chats", Ct);
            statuses.Add(used.StatusCode);
        }
        parley.Clock.Advance(TimeSpan.FromMinutes(31));
        using var idle = await console.GetAsync("/console/chats", Ct);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses);
        Assert.Equal(HttpStatusCode.Found, idle.StatusCode);
        Assert.Equal("/console/login", idle.Headers.Location?.AbsolutePath);
    }

    [Fact]
    public async Task An_open_page_renews_its_session_when_used_and_asking_about_it_does_not()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        using var console = parley.Console();
        await console.SignInWithAdminKeyAsync(Ct);

        parley.Clock.Advance(TimeSpan.FromMinutes(20));
        using var used = await console.Http.PostAsync("/console/session", null, Ct);
        parley.Clock.Advance(TimeSpan.FromMinutes(20));
        using var asked = await console.GetAsync("/console/session", Ct);
        parley.Clock.Advance(TimeSpan.FromMinutes(11));
        using var afterIdle = await console.GetAsync("/console/session", Ct);
        using var anonymous = await parley.Anonymous.PostAsync("/console/session", null, Ct);

        Assert.Equal(HttpStatusCode.NoContent, used.StatusCode);
        Assert.True(used.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.NoContent, asked.StatusCode);
        Assert.False(asked.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.Unauthorized, afterIdle.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_cookies_are_Secure_over_HTTPS_and_X_Forwarded_Proto_counts_only_when_forwarded_headers_are_enabled(bool forwardedHeaders)
    {
        // ASP.NET Core's own switch (ASPNETCORE_FORWARDEDHEADERS_ENABLED) for a proxy that ends TLS: see docs/deployment.md.
        await using var parley = forwardedHeaders
            ? await TestParley.StartAsync(DatabaseKind.Sqlite, "--FORWARDEDHEADERS_ENABLED=true")
            : await TestParley.StartAsync(DatabaseKind.Sqlite);
        // Cookies by hand: a cookie container keeps Secure cookies from a plain-HTTP connection, as a browser would.
        using var proxy = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = parley.BaseAddress };
        proxy.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");

        using var login = await proxy.GetAsync("/console/login", Ct);
        var antiforgery = SetCookie(login, ".AspNetCore.Antiforgery.");
        var token = System.Text.RegularExpressions.Regex.Match(await login.Content.ReadAsStringAsync(Ct), "__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/console/login")
        {
            Headers = { { "Cookie", antiforgery.Split(';')[0] } },
            Content = Form(("_handler", "sign-in"), ("__RequestVerificationToken", token), ("Input.AdminKey", TestParley.AdminKey)),
        };
        using var signedIn = await proxy.SendAsync(post, Ct);

        Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        Assert.Equal(forwardedHeaders ? "https" : "http", signedIn.Headers.Location?.Scheme);
        Assert.Equal(forwardedHeaders, SetCookie(signedIn, "parley.console").Contains("; secure", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(forwardedHeaders, antiforgery.Contains("; secure", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Sign_in_and_sign_out_posts_without_a_valid_token_are_refused()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        using var console = parley.Console();
        await console.SignInWithAdminKeyAsync(Ct);
        using var stranger = parley.Console();
        await stranger.TokenAsync("/console/login", Ct);   // an antiforgery cookie of its own, but another person's token

        using var loginWithoutToken = await stranger.Http.PostAsync("/console/login", Form(("_handler", "sign-in"), ("Input.AdminKey", TestParley.AdminKey)), Ct);
        var othersToken = await console.TokenAsync("/console/chats", Ct);
        using var loginWithOthersToken = await stranger.Http.PostAsync("/console/login",
            Form(("_handler", "sign-in"), ("__RequestVerificationToken", othersToken), ("Input.AdminKey", TestParley.AdminKey)), Ct);
        using var logoutWithoutToken = await console.Http.PostAsync("/console/logout", Form(), Ct);
        using var stillSignedIn = await console.GetAsync("/console/chats", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, loginWithoutToken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, loginWithOthersToken.StatusCode);
        Assert.Null(stranger.SignInCookie);
        Assert.Equal(HttpStatusCode.BadRequest, logoutWithoutToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillSignedIn.StatusCode);
    }

    [Fact]
    public async Task The_browsers_language_is_the_default_and_the_operators_choice_holds_on_every_page()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        using var console = parley.Console();
        console.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("pt-BR,pt;q=0.9,en;q=0.8");

        var portuguese = await PageAsync(console, "/console/login");
        using var chosen = await console.GetAsync("/console/language/en?returnUrl=%2Fconsole%2Flogin", Ct);
        var english = await PageAsync(console, "/console/login");
        await console.SignInWithAdminKeyAsync(Ct);
        var chats = await PageAsync(console, "/console/chats");
        using var back = await console.GetAsync("/console/language/pt-BR?returnUrl=%2Fconsole%2Fchats", Ct);
        var conversas = await PageAsync(console, "/console/chats");
        using var unknown = await console.GetAsync("/console/language/fr", Ct);

        Assert.Contains("<html lang=\"pt-BR\">", portuguese, StringComparison.Ordinal);
        Assert.Contains("Entrar no Parley", portuguese, StringComparison.Ordinal);
        Assert.Contains("Chave de administrador", portuguese, StringComparison.Ordinal);
        Assert.Equal("/console/login", chosen.Headers.Location?.OriginalString);
        Assert.Contains("Sign in to Parley", english, StringComparison.Ordinal);
        Assert.Contains("<h1 class=\"visually-hidden\">Chats</h1>", chats, StringComparison.Ordinal);
        Assert.Contains("Sign out", chats, StringComparison.Ordinal);
        Assert.Contains("<h1 class=\"visually-hidden\">Conversas</h1>", conversas, StringComparison.Ordinal);
        Assert.Contains("Sair", conversas, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Neither_the_admin_key_nor_a_password_reaches_the_logs_or_comes_back_in_the_page()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite,
            "--Logging:LogLevel:Default=Trace", "--Logging:LogLevel:Microsoft.AspNetCore=Trace", "--Logging:LogLevel:Parley=Trace",
            "--Logging:Console:LogLevel:Default=None");
        await parley.CreateOperatorAsync("ana", Password);
        const string typedAsKey = "my-secret-typed-as-a-key-93f1";
        using var console = parley.Console();

        using var wrongPassword = await console.PostLoginAsync("ana", "wrong-secret-password-51c7", ct: Ct);
        using var wrongKey = await console.PostLoginAsync(adminKey: typedAsKey, ct: Ct);
        using var rightPassword = await console.PostLoginAsync("ana", Password, ct: Ct);
        using var rightKey = await console.PostLoginAsync(adminKey: TestParley.AdminKey, ct: Ct);

        var pages = await wrongPassword.Content.ReadAsStringAsync(Ct) + await wrongKey.Content.ReadAsStringAsync(Ct);
        Assert.Contains("The admin key is not valid.", pages, StringComparison.Ordinal);
        var logged = string.Join('\n', parley.Logs.GetSnapshot().Select(r => $"{r.Message} {string.Join(' ', r.StructuredState ?? [])} {r.Exception}"));
        Assert.Contains(parley.Logs.GetSnapshot(), r => r.Level < LogLevel.Information);   // the trace really was on
        foreach (var secret in new[] { "wrong-secret-password-51c7", typedAsKey, Password, TestParley.AdminKey })
        {
            Assert.DoesNotContain(secret, pages, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, logged, StringComparison.Ordinal);
        }
    }

    static string SetCookie(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.FirstOrDefault(c => c.StartsWith(name, StringComparison.Ordinal)) is { } cookie
            ? cookie
            : throw new Xunit.Sdk.XunitException($"No {name} cookie was set.");

    static string? Alert(string page) => System.Text.RegularExpressions.Regex.Match(page, "role=\"alert\">([^<]*)<").Groups[1].Value;

    static async Task<string> PageAsync(ConsoleClient console, string path)
    {
        using var page = await console.GetAsync(path, Ct);
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)page.StatusCode} {page.Headers.Location}");
        return await page.Content.ReadAsStringAsync(Ct);
    }

    static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)));
}
