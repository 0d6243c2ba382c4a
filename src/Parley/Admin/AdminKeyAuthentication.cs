using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Parley.Admin;

/// <summary>Bearer authentication with an operator key, checked against the stored hashes.</summary>
public sealed class AdminKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AdminKeyStore keys,
    FailedAuthentications failures,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AdminKey";
    public const string Policy = "Admin";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        string key;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) key = header["Bearer ".Length..].Trim();
        // Browsers cannot set headers on WebSocket requests, so real-time hubs also take the key as access_token.
        else if (Request.Path.StartsWithSegments("/hubs") && Request.Query["access_token"] is [{ Length: > 0 } token]) key = token;
        else return Task.FromResult(AuthenticateResult.NoResult());

        if (!keys.IsValid(key))
        {
            failures.Record(Context, "admin key");
            return Task.FromResult(AuthenticateResult.Fail("The admin key is not valid."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Role, "admin")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized",
                Detail = "Send an admin key as 'Authorization: Bearer <key>'.",
            },
        });
    }
}
