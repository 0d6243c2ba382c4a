using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Parley.Admin;

namespace Parley.OperatorConsole;

/// <summary>The outcome of a sign-in: signed in, or why not in words the page shows.</summary>
public sealed record SignInOutcome(bool SignedIn, string? ErrorKey = null, int? LockedMinutes = null);

/// <summary>Checks a password (with lockout) or the admin key, and signs the person in with the console's cookie.</summary>
public sealed class ConsoleSignIn(
    UserManager<OperatorAccount> users, SignInManager<OperatorAccount> passwords, IPasswordHasher<OperatorAccount> hasher,
    AdminKeyStore adminKeys, FailedAuthentications failures, TimeProvider clock)
{
    // A password hash to check against when there is no account, so a name that does not exist takes as long to
    // refuse as a wrong password: the time of an answer must not tell which user names exist.
    static string? unknownAccountHash;

    public async Task<SignInOutcome> WithPasswordAsync(HttpContext http, string userName, string password)
    {
        var account = await users.FindByNameAsync(userName.Trim());
        if (account is null || account.Disabled)
        {
            var standIn = new OperatorAccount { DisplayName = "" };
            unknownAccountHash ??= hasher.HashPassword(standIn, Guid.NewGuid().ToString());
            hasher.VerifyHashedPassword(standIn, unknownAccountHash, password);
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
        await SignInAsync(http, account);
        return new(true);
    }

    /// <summary>Signs in an account whose person has just proved who they are (a password, an invitation's code).</summary>
    public async Task SignInAsync(HttpContext http, OperatorAccount account)
    {
        var roles = await users.GetRolesAsync(account);
        var principal = ConsoleAuthentication.ForOperator(account, roles, await users.GetSecurityStampAsync(account));
        await http.SignInAsync(ConsoleAuthentication.Scheme, principal);
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
