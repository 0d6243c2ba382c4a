using System.Net;
using System.Text.RegularExpressions;

namespace Parley.Testing;

/// <summary>
/// The console as a browser reaches it over HTTP: its own cookies, redirects left to the test, and the login form's
/// antiforgery token read from the page as a browser would submit it.
/// </summary>
public sealed partial class ConsoleClient : IDisposable
{
    public const string LoginPath = "/console/login";

    readonly HttpClient http;

    public ConsoleClient(Uri baseAddress)
    {
        Cookies = new CookieContainer();
        http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = baseAddress };
    }

    public CookieContainer Cookies { get; }
    public HttpClient Http => http;

    /// <summary>The console's sign-in cookie as this client holds it, or null.</summary>
    public Cookie? SignInCookie => Cookies.GetAllCookies().FirstOrDefault(c => c.Name == "parley.console" && !c.Expired);

    public Task<HttpResponseMessage> GetAsync(string path, CancellationToken ct = default) => http.GetAsync(path, ct);

    /// <summary>Posts the login form as the page renders it (with its token) and returns the answer, unfollowed.</summary>
    public async Task<HttpResponseMessage> PostLoginAsync(string? userName = null, string? password = null, string? adminKey = null,
        string? returnUrl = null, CancellationToken ct = default)
    {
        var path = returnUrl is null ? LoginPath : $"{LoginPath}?returnUrl={Uri.EscapeDataString(returnUrl)}";
        var token = await TokenAsync(path, ct);
        return await http.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "sign-in",
            ["__RequestVerificationToken"] = token,
            ["Input.UserName"] = userName ?? "",
            ["Input.Password"] = password ?? "",
            ["Input.AdminKey"] = adminKey ?? "",
        }), ct);
    }

    public async Task SignInWithAdminKeyAsync(CancellationToken ct = default) => EnsureSignedIn(await PostLoginAsync(adminKey: TestParley.AdminKey, ct: ct));

    public async Task SignInAsync(string userName, string password, CancellationToken ct = default) =>
        EnsureSignedIn(await PostLoginAsync(userName, password, ct: ct));

    /// <summary>The "Sign out" button's form post, with the token of the page it is on.</summary>
    public async Task<HttpResponseMessage> SignOutAsync(CancellationToken ct = default)
    {
        var token = await TokenAsync("/console/chats", ct);
        return await http.PostAsync("/console/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }), ct);
    }

    /// <summary>The antiforgery token of the page at <paramref name="path"/>.</summary>
    public async Task<string> TokenAsync(string path, CancellationToken ct = default)
    {
        using var page = await http.GetAsync(path, ct);
        var html = await page.Content.ReadAsStringAsync(ct);
        return TokenField().Match(html) is { Success: true } match
            ? WebUtility.HtmlDecode(match.Groups[1].Value)
            : throw new InvalidOperationException($"{path} answered {(int)page.StatusCode} without a form token.");
    }

    static void EnsureSignedIn(HttpResponseMessage answer)
    {
        using (answer)
        {
            if (answer.StatusCode != HttpStatusCode.Found || answer.Headers.Location?.AbsolutePath.StartsWith(LoginPath, StringComparison.Ordinal) == true)
                throw new InvalidOperationException($"Signing in answered {(int)answer.StatusCode} {answer.Headers.Location}.");
        }
    }

    public void Dispose() => http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
