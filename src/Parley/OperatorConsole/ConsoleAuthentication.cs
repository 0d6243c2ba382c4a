using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Parley.Admin;
using Parley.Data;

namespace Parley.OperatorConsole;

/// <summary>
/// How people sign in to the console: an operator account (ASP.NET Core Identity: hashed password, lockout), or the
/// admin key. Either way the console's own cookie carries who they are: HttpOnly, SameSite=Strict, Secure over HTTPS,
/// ending after half an hour without use. The API never takes this cookie; it takes the admin key as a bearer token.
/// </summary>
public static class ConsoleAuthentication
{
    public const string Scheme = "Console";
    /// <summary>Any signed-in operator: the Chats and sessions.</summary>
    public const string OperatorPolicy = "ConsoleOperator";
    /// <summary>Admins only: accounts, gateways and everything with provider keys.</summary>
    public const string AdminPolicy = "ConsoleAdmin";
    public const string LoginPath = "/console/login";

    const string OperatorIdClaim = "parley:operator";
    const string SecurityStampClaim = "parley:stamp";
    const string AdminKeyClaim = "parley:admin-key";
    const string CheckedAtKey = "parley:checked";
    static readonly TimeSpan CheckEvery = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddConsoleAuthentication(this IServiceCollection services)
    {
        services.AddIdentityCore<OperatorAccount>(identity =>
            {
                identity.User.RequireUniqueEmail = false;
                identity.Password.RequiredLength = 10;
                identity.Password.RequireNonAlphanumeric = false;
                identity.Password.RequireUppercase = false;
                identity.Password.RequireDigit = false;
                identity.Lockout.AllowedForNewUsers = true;
                identity.Lockout.MaxFailedAccessAttempts = 5;
                identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddRoles<IdentityRole<Guid>>()
            .AddEntityFrameworkStores<AppDb>()
            .AddSignInManager();
        services.AddScoped<ConsoleSignIn>();

        services.AddAuthentication().AddCookie(Scheme, cookie =>
        {
            cookie.LoginPath = LoginPath;
            cookie.AccessDeniedPath = "/console/denied";
            cookie.ReturnUrlParameter = "returnUrl";
            cookie.Cookie.Name = "parley.console";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(30);
            cookie.SlidingExpiration = true;
            cookie.Events.OnValidatePrincipal = StillValidAsync;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(OperatorPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireRole(OperatorRoles.All))
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireRole(OperatorRoles.Admin));
        return services;
    }

    /// <summary>The operator account's id, or null for someone signed in with the admin key.</summary>
    public static Guid? OperatorId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(OperatorIdClaim), out var id) ? id : null;

    public static ClaimsPrincipal ForOperator(OperatorAccount account, IEnumerable<string> roles, string securityStamp) => new(new ClaimsIdentity(
        [
            new(ClaimTypes.NameIdentifier, account.Id.ToString()),
            new(ClaimTypes.Name, account.DisplayName),
            new(OperatorIdClaim, account.Id.ToString()),
            new(SecurityStampClaim, securityStamp),
            .. roles.Select(role => new Claim(ClaimTypes.Role, role)),
        ], Scheme));

    public static ClaimsPrincipal ForAdminKey(string key) => new(new ClaimsIdentity(
        [
            new(ClaimTypes.NameIdentifier, "admin-key"),
            new(ClaimTypes.Name, "Admin"),
            // The key's hash, so a key revoked in configuration ends the sessions it opened.
            new(AdminKeyClaim, Secrets.Hash(key)),
            new(ClaimTypes.Role, OperatorRoles.Admin),
        ], Scheme));

    /// <summary>
    /// Once a minute per session: a disabled, deleted or locked account, a changed password or role (a new security
    /// stamp), or a revoked admin key ends the session at its next request.
    /// </summary>
    static async Task StillValidAsync(CookieValidatePrincipalContext context)
    {
        var clock = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>();
        var now = clock.GetUtcNow();
        if (context.Properties.Items.TryGetValue(CheckedAtKey, out var checkedAt)
            && DateTimeOffset.TryParse(checkedAt, out var at) && now - at < CheckEvery)
        {
            return;
        }

        var principal = context.Principal!;
        var valid = principal.FindFirstValue(AdminKeyClaim) is { } keyHash
            ? context.HttpContext.RequestServices.GetRequiredService<AdminKeyStore>().IsValidHash(keyHash)
            : principal.OperatorId() is { } id && await AccountStillValidAsync(context.HttpContext.RequestServices, id, principal);
        if (!valid)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }
        context.Properties.Items[CheckedAtKey] = now.ToString("O");
        context.ShouldRenew = true;
    }

    static async Task<bool> AccountStillValidAsync(IServiceProvider services, Guid id, ClaimsPrincipal principal)
    {
        var users = services.GetRequiredService<UserManager<OperatorAccount>>();
        var account = await users.FindByIdAsync(id.ToString());
        return account is { Disabled: false }
            && !await users.IsLockedOutAsync(account)
            && account.SecurityStamp == principal.FindFirstValue(SecurityStampClaim);
    }
}

/// <summary>The outcome of a sign-in: signed in, or why not in words the page shows.</summary>
public sealed record SignInOutcome(bool SignedIn, string? ErrorKey = null, int? LockedMinutes = null);

/// <summary>Checks a password (with lockout) or the admin key, and signs the person in with the console's cookie.</summary>
public sealed class ConsoleSignIn(
    UserManager<OperatorAccount> users, SignInManager<OperatorAccount> passwords, AdminKeyStore adminKeys, FailedAuthentications failures,
    TimeProvider clock)
{
    public async Task<SignInOutcome> WithPasswordAsync(HttpContext http, string userName, string password)
    {
        var account = await users.FindByNameAsync(userName.Trim());
        if (account is null || account.Disabled)
        {
            failures.Record(http, "operator password");
            return new(false, "WrongPassword");
        }
        var check = await passwords.CheckPasswordSignInAsync(account, password, lockoutOnFailure: true);
        if (check.IsLockedOut)
        {
            var until = await users.GetLockoutEndDateAsync(account) ?? clock.GetUtcNow();
            return new(false, "LockedOut", Math.Max(1, (int)Math.Ceiling((until - clock.GetUtcNow()).TotalMinutes)));
        }
        if (!check.Succeeded)
        {
            failures.Record(http, "operator password");
            return new(false, "WrongPassword");
        }
        var roles = await users.GetRolesAsync(account);
        var principal = ConsoleAuthentication.ForOperator(account, roles, await users.GetSecurityStampAsync(account));
        await http.SignInAsync(ConsoleAuthentication.Scheme, principal);
        return new(true);
    }

    public async Task<SignInOutcome> WithAdminKeyAsync(HttpContext http, string key)
    {
        if (!adminKeys.IsValid(key.Trim()))
        {
            failures.Record(http, "admin key");
            return new(false, "WrongAdminKey");
        }
        await http.SignInAsync(ConsoleAuthentication.Scheme, ConsoleAuthentication.ForAdminKey(key.Trim()));
        return new(true);
    }
}
