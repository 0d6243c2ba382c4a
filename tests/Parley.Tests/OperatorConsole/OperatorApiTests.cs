using System.Net;
using System.Net.Http.Headers;
using Parley.Tests.Hosting;
using Parley.Testing;

namespace Parley.Tests.OperatorConsole;

/// <summary>Operator accounts through <c>/api/v1/operators</c>, the admin key's side of what the console's Operators page does.</summary>
public abstract class OperatorApiTests(DatabaseKind kind)
{
    const string Operators = "/api/v1/operators";
    const string Password = "correct horse battery";

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_account_is_created_listed_changed_given_a_new_password_and_deleted_and_never_shows_a_password()
    {
        await using var parley = await TestParley.StartAsync(kind);

        using var created = await parley.Admin.PostAsJsonAsync(Operators, new { userName = "ana", displayName = "Ana Lima", password = Password, role = "agent" }, Ct);
        var account = await ApiAssert.DataAsync(created, HttpStatusCode.Created);
        var id = account.GetProperty("id").GetGuid();
        Assert.Equal($"{Operators}/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(["id", "userName", "displayName", "role", "disabled", "lockedOut", "createdAt"], account.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("ana", "Ana Lima", "agent", false, false),
            (account.GetProperty("userName").GetString(), account.GetProperty("displayName").GetString(), account.GetProperty("role").GetString(),
             account.GetProperty("disabled").GetBoolean(), account.GetProperty("lockedOut").GetBoolean()));

        using var changed = await parley.Admin.PutAsJsonAsync($"{Operators}/{id}", new { displayName = "Ana L.", role = "admin", disabled = true }, Ct);
        var after = await ApiAssert.DataAsync(changed);
        Assert.Equal(("Ana L.", "admin", true), (after.GetProperty("displayName").GetString(), after.GetProperty("role").GetString(), after.GetProperty("disabled").GetBoolean()));

        using var newPassword = await parley.Admin.PostAsJsonAsync($"{Operators}/{id}/password", new { password = "another long password" }, Ct);
        await ApiAssert.DataAsync(newPassword);
        using var list = await parley.Admin.GetAsync(Operators, Ct);
        var listed = Assert.Single((await ApiAssert.DataAsync(list)).EnumerateArray());
        Assert.Equal("admin", listed.GetProperty("role").GetString());
        Assert.DoesNotContain("password", listed.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hash", listed.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("no-store", list.Headers.CacheControl?.ToString());

        using var deleted = await parley.Admin.DeleteAsync($"{Operators}/{id}", Ct);
        await ApiAssert.DataAsync(deleted);
        using var gone = await parley.Admin.GetAsync($"{Operators}/{id}", Ct);
        await ApiAssert.ProblemAsync(gone, HttpStatusCode.NotFound, "not_found");
    }

    public static TheoryData<string, string, string> BadAccounts => new()
    {
        { """{"displayName":"Ana","password":"correct horse battery","role":"agent"}""", "userName", "The userName field is required." },
        { """{"userName":"a b","displayName":"Ana","password":"correct horse battery","role":"agent"}""", "userName", "The userName field must be 3 to 64 letters, digits or . _ @ + -." },
        { """{"userName":"ana","displayName":" ","password":"correct horse battery","role":"agent"}""", "displayName", "The displayName field is required." },
        { $$"""{"userName":"ana","displayName":"{{new string('a', 101)}}","password":"correct horse battery","role":"agent"}""", "displayName", "The displayName field must be at most 100 characters." },
        { """{"userName":"ana","displayName":"Ana","password":"short","role":"agent"}""", "password", "Passwords must be at least 10 characters." },
        { """{"userName":"ana","displayName":"Ana","password":"correct horse battery","role":"owner"}""", "role", "The role field must be \"admin\" or \"agent\"." },
    };

    [Theory]
    [MemberData(nameof(BadAccounts))]
    public async Task A_bad_account_gets_400_naming_the_field_and_its_rule(string json, string field, string rule)
    {
        await using var parley = await TestParley.StartAsync(kind);

        using var refused = await parley.Admin.PostAsync(Operators, new StringContent(json, MediaTypeHeaderValue.Parse("application/json")), Ct);

        var problem = await ApiAssert.InvalidAsync(refused, field);
        Assert.Equal([rule], problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));
        using var list = await parley.Admin.GetAsync(Operators, Ct);
        Assert.Empty((await ApiAssert.DataAsync(list)).EnumerateArray());
    }

    [Fact]
    public async Task A_taken_user_name_is_refused_whatever_its_case()
    {
        await using var parley = await TestParley.StartAsync(kind);
        await parley.CreateOperatorAsync("ana", Password);

        using var refused = await parley.Admin.PostAsJsonAsync(Operators, new { userName = "ANA", displayName = "Other Ana", password = Password, role = "agent" }, Ct);

        var problem = await ApiAssert.InvalidAsync(refused, "userName");
        Assert.Contains("already taken", problem.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_change_or_password_is_refused_and_changes_nothing()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var id = await parley.CreateOperatorAsync("ana", Password);
        using var console = parley.Console();

        using var badRole = await parley.Admin.PutAsJsonAsync($"{Operators}/{id}", new { displayName = "Ana", role = "root" }, Ct);
        using var shortPassword = await parley.Admin.PostAsJsonAsync($"{Operators}/{id}/password", new { password = "short" }, Ct);
        using var noPassword = await parley.Admin.PostAsJsonAsync($"{Operators}/{id}/password", new { }, Ct);

        await ApiAssert.InvalidAsync(badRole, "role");
        await ApiAssert.InvalidAsync(shortPassword, "password");
        await ApiAssert.InvalidAsync(noPassword, "password");
        await console.SignInAsync("ana", Password, Ct);   // the old password still works
        using var account = await parley.Admin.GetAsync($"{Operators}/{id}", Ct);
        Assert.Equal("agent", (await ApiAssert.DataAsync(account)).GetProperty("role").GetString());
    }

    [Fact]
    public async Task An_account_made_without_a_password_signs_in_only_through_its_invitation_which_works_once()
    {
        await using var parley = await TestParley.StartAsync(kind);
        using var created = await parley.Admin.PostAsJsonAsync(Operators, new { userName = "maria", displayName = "Maria", role = "agent" }, Ct);
        var id = (await ApiAssert.DataAsync(created, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        using var console = parley.Console();
        using var noPasswordYet = await console.PostLoginAsync("maria", "", ct: Ct);
        Assert.Equal(HttpStatusCode.OK, noPasswordYet.StatusCode);   // the login page again, with its error

        using var first = await parley.Admin.PostAsync($"{Operators}/{id}/invitation", null, Ct);
        var older = (await ApiAssert.DataAsync(first)).GetProperty("url").GetString()!;
        using var second = await parley.Admin.PostAsync($"{Operators}/{id}/invitation", null, Ct);
        var invitation = await ApiAssert.DataAsync(second);
        var url = new Uri(invitation.GetProperty("url").GetString()!);
        Assert.Equal(parley.BaseAddress.Authority, url.Authority);
        Assert.Equal("/console/welcome", url.AbsolutePath);
        Assert.InRange(invitation.GetProperty("expiresAt").GetDateTime(), parley.Clock.GetUtcNow().UtcDateTime.AddDays(6.9), parley.Clock.GetUtcNow().UtcDateTime.AddDays(7.1));

        // A newer link replaces the older; a password against the rules is refused and uses nothing up.
        Assert.Contains("not valid any more", await RefusalAsync(console, new Uri(older).PathAndQuery, Password), StringComparison.Ordinal);
        Assert.Contains("at least 10 characters", await RefusalAsync(console, url.PathAndQuery, "short"), StringComparison.Ordinal);
        using var accepted = await PostWelcomeAsync(console, url.PathAndQuery, Password);
        Assert.Equal(HttpStatusCode.Found, accepted.StatusCode);
        Assert.Equal("/console/chats", accepted.Headers.Location?.AbsolutePath);
        Assert.NotNull(console.SignInCookie);

        using var again = parley.Console();
        Assert.Contains("not valid any more", await RefusalAsync(again, url.PathAndQuery, "yet another password"), StringComparison.Ordinal);
        await again.SignInAsync("maria", Password, Ct);
    }

    /// <summary>The page the welcome form answers with when it refuses, as text.</summary>
    static async Task<string> RefusalAsync(ConsoleClient console, string pathAndQuery, string password)
    {
        using var answer = await PostWelcomeAsync(console, pathAndQuery, password);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return System.Net.WebUtility.HtmlDecode(await answer.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>Posts the welcome page's form as the page renders it, with its token; the answer is not followed.</summary>
    static async Task<HttpResponseMessage> PostWelcomeAsync(ConsoleClient console, string pathAndQuery, string password)
    {
        var token = await console.TokenAsync(pathAndQuery, Ct);
        return await console.Http.PostAsync(pathAndQuery, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "welcome",
            ["__RequestVerificationToken"] = token,
            ["Input.Password"] = password,
        }), Ct);
    }

    [Fact]
    public async Task Unknown_accounts_get_404()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var nobody = Guid.NewGuid();

        using var put = await parley.Admin.PutAsJsonAsync($"{Operators}/{nobody}", new { displayName = "Ana", role = "agent" }, Ct);
        using var password = await parley.Admin.PostAsJsonAsync($"{Operators}/{nobody}/password", new { password = Password }, Ct);
        using var delete = await parley.Admin.DeleteAsync($"{Operators}/{nobody}", Ct);
        using var invitation = await parley.Admin.PostAsync($"{Operators}/{nobody}/invitation", null, Ct);

        await ApiAssert.ProblemAsync(invitation, HttpStatusCode.NotFound, "not_found");
        await ApiAssert.ProblemAsync(put, HttpStatusCode.NotFound, "not_found");
        await ApiAssert.ProblemAsync(password, HttpStatusCode.NotFound, "not_found");
        await ApiAssert.ProblemAsync(delete, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Without_the_admin_key_every_call_gets_401_and_a_console_cookie_is_not_a_key()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var id = await parley.CreateOperatorAsync("ana", Password, role: "admin");
        using var console = parley.Console();
        await console.SignInAsync("ana", Password, Ct);
        using var wrongKey = new HttpClient { BaseAddress = parley.BaseAddress };
        wrongKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "pak_not_the_admin_key_0123456789");

        (HttpMethod Method, string Path, object? Body)[] calls =
        [
            (HttpMethod.Get, Operators, null),
            (HttpMethod.Post, Operators, new { userName = "bo", displayName = "Bo", password = Password, role = "admin" }),
            (HttpMethod.Get, $"{Operators}/{id}", null),
            (HttpMethod.Put, $"{Operators}/{id}", new { displayName = "Ana", role = "agent" }),
            (HttpMethod.Post, $"{Operators}/{id}/password", new { password = Password }),
            (HttpMethod.Post, $"{Operators}/{id}/invitation", null),
            (HttpMethod.Delete, $"{Operators}/{id}", null),
        ];
        foreach (var (method, path, body) in calls)
        {
            foreach (var client in new[] { parley.Anonymous, wrongKey, console.Http })
            {
                using var call = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
                using var refused = await client.SendAsync(call, Ct);
                await ApiAssert.ProblemAsync(refused, HttpStatusCode.Unauthorized, "unauthorized");
            }
        }
        using var list = await parley.Admin.GetAsync(Operators, Ct);
        Assert.Equal(["ana"], (await ApiAssert.DataAsync(list)).EnumerateArray().Select(a => a.GetProperty("userName").GetString()));
    }
}

public sealed class OperatorApiOnSqlite() : OperatorApiTests(DatabaseKind.Sqlite);

public sealed class OperatorApiOnPostgres() : OperatorApiTests(DatabaseKind.Postgres);
