using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Server.Circuits;
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
    /// <summary>GET: is the sign-in still there (without renewing it); POST: renew it. For open pages (console.js).</summary>
    public const string SessionPath = "/console/session";

    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan CheckEvery = TimeSpan.FromMinutes(1);

    const string OperatorIdClaim = "parley:operator";
    const string SecurityStampClaim = "parley:stamp";
    const string AdminKeyClaim = "parley:admin-key";
    const string CheckedAtKey = "parley:checked";

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
            .AddUserManager<OperatorUserManager>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        services.Configure<DataProtectionTokenProviderOptions>(tokens => tokens.TokenLifespan = OperatorInvitation.Lifetime);
        services.AddScoped<ConsoleSignIn>();
        services.AddScoped<CircuitHandler, CircuitSignInCheck>();

        services.AddAuthentication().AddCookie(Scheme, cookie =>
        {
            cookie.LoginPath = LoginPath;
            cookie.AccessDeniedPath = "/console/denied";
            cookie.ReturnUrlParameter = "returnUrl";
            cookie.Cookie.Name = "parley.console";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            // Behind a proxy that ends TLS, the request is HTTPS once ASPNETCORE_FORWARDEDHEADERS_ENABLED lets
            // X-Forwarded-Proto say so (docs/deployment.md).
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            // Idle expiry: each use renews the cookie, at most once a minute (StillValidAsync), so it ends half an
            // hour after the last use, give or take that minute. Its clock is the TimeProvider service.
            cookie.ExpireTimeSpan = IdleTimeout;
            cookie.SlidingExpiration = true;
            cookie.Events.OnValidatePrincipal = StillValidAsync;
            cookie.Events.OnCheckSlidingExpiration = context =>
            {
                context.ShouldRenew &= IsUse(context.HttpContext.Request);
                return Task.CompletedTask;
            };
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
    /// Whether a signed-in person may go on: not for a disabled, deleted or locked account, a changed password or role
    /// (a new security stamp), or a revoked admin key. The cookie asks once a minute per session; so does an open
    /// interactive page (<see cref="CircuitSignInCheck"/>).
    /// </summary>
    public static async Task<bool> IsStillValidAsync(ClaimsPrincipal principal, IServiceProvider services)
    {
        if (principal.FindFirstValue(AdminKeyClaim) is { } keyHash) return services.GetRequiredService<AdminKeyStore>().IsValidHash(keyHash);
        if (principal.OperatorId() is not { } id) return false;
        var users = services.GetRequiredService<UserManager<OperatorAccount>>();
        return await users.FindByIdAsync(id.ToString()) is { Disabled: false } account
            && !await users.IsLockedOutAsync(account)
            && account.SecurityStamp == principal.FindFirstValue(SecurityStampClaim);
    }

    static async Task StillValidAsync(CookieValidatePrincipalContext context)
    {
        var now = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (context.Properties.Items.TryGetValue(CheckedAtKey, out var checkedAt)
            && DateTimeOffset.TryParse(checkedAt, out var at) && now - at < CheckEvery)
        {
            return;
        }

        if (!await IsStillValidAsync(context.Principal!, context.HttpContext.RequestServices))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }
        context.Properties.Items[CheckedAtKey] = now.ToString("O");
        context.ShouldRenew = IsUse(context.HttpContext.Request);
    }

    /// <summary>
    /// Only use keeps a sign-in alive: a page, a form, an open page's report of keys and clicks. An open page asking
    /// whether the sign-in is still there is not use, nor is its circuit (re)connecting by itself.
    /// </summary>
    static bool IsUse(HttpRequest request) =>
        !(HttpMethods.IsGet(request.Method) && request.Path.Equals(SessionPath)) && !request.Path.StartsWithSegments("/_blazor");
}
