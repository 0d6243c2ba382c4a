using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Parley.OperatorConsole;

/// <summary>An operator account as the API and the console show it; never its password hash.</summary>
public sealed record OperatorView(Guid Id, string UserName, string DisplayName, string Role, bool Disabled, bool LockedOut, DateTime CreatedAt);

public sealed record NewOperator(
    [property: Required(ErrorMessage = "The userName field is required."),
        RegularExpression("^[A-Za-z0-9._@+-]{3,64}$", ErrorMessage = "The userName field must be 3 to 64 letters, digits or . _ @ + -.")]
    string UserName,
    [property: Required(ErrorMessage = "The displayName field is required."),
        StringLength(100, ErrorMessage = "The displayName field must be at most 100 characters.")] string DisplayName,
    string? Password,
    [property: Required(ErrorMessage = "The role field is required: \"admin\" or \"agent\"."),
        RegularExpression("^(admin|agent)$", ErrorMessage = "The role field must be \"admin\" or \"agent\".")] string Role);

public sealed record OperatorChange(
    [property: Required(ErrorMessage = "The displayName field is required."),
        StringLength(100, ErrorMessage = "The displayName field must be at most 100 characters.")] string DisplayName,
    [property: Required(ErrorMessage = "The role field is required: \"admin\" or \"agent\"."),
        RegularExpression("^(admin|agent)$", ErrorMessage = "The role field must be \"admin\" or \"agent\".")] string Role,
    bool Disabled = false);

public sealed record NewPassword([property: Required(ErrorMessage = "The password field is required.")] string Password);

/// <summary>
/// A link that lets the person choose their own password and signs them in: for an account made without a password,
/// or one whose password they forgot. It works once, and until <paramref name="ExpiresAt"/>.
/// </summary>
public sealed record OperatorInvitation(Guid AccountId, string Path, DateTime ExpiresAt)
{
    public const string Route = "/console/welcome";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);
}

/// <summary>
/// A rule a request broke: its field (as JSON spells it), the rule's code (a validation attribute's name, such as
/// <c>Required</c>, or Identity's error code, such as <c>PasswordTooShort</c>) and the rule in English, as the API says it.
/// </summary>
public sealed record AccountError(string Field, string Code, string Message);

/// <summary>Either what was done, or the rules the request broke.</summary>
public sealed record AccountOutcome(OperatorView? Account, IReadOnlyList<AccountError>? Errors = null, bool NotFound = false)
{
    /// <summary>The errors as problem details list them: each field with its messages.</summary>
    public Dictionary<string, string[]> ErrorsByField() =>
        (Errors ?? []).GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
}

/// <summary>
/// The one place operator accounts are made and changed, for the admin API and the console's Operators page alike,
/// so both follow the same rules (the requests' annotations, then Identity's). A change of role, password or state
/// renews the account's security stamp, which ends its open console sessions at their next check.
/// </summary>
public sealed class OperatorAccounts(UserManager<OperatorAccount> users, RoleManager<IdentityRole<Guid>> roles, TimeProvider clock)
{
    public async Task<IReadOnlyList<OperatorView>> ListAsync(CancellationToken ct)
    {
        var accounts = await users.Users.AsNoTracking().OrderBy(a => a.UserName).ToListAsync(ct);
        var views = new List<OperatorView>(accounts.Count);
        foreach (var account in accounts) views.Add(await ViewAsync(account));
        return views;
    }

    public async Task<OperatorView?> FindAsync(Guid id) => await users.FindByIdAsync(id.ToString()) is { } account ? await ViewAsync(account) : null;

    public async Task<AccountOutcome> CreateAsync(NewOperator request)
    {
        if (Check(request) is { Count: > 0 } broken) return new(null, broken);
        await EnsureRolesAsync();
        var account = new OperatorAccount { UserName = request.UserName.Trim(), DisplayName = request.DisplayName.Trim(), CreatedAt = clock.GetUtcNow().UtcDateTime };
        // Without a password the account cannot sign in until its person accepts an invitation.
        var created = string.IsNullOrEmpty(request.Password) ? await users.CreateAsync(account) : await users.CreateAsync(account, request.Password);
        if (!created.Succeeded) return Failed(created);
        await users.AddToRoleAsync(account, request.Role);
        return new(await ViewAsync(account));
    }

    public async Task<AccountOutcome> ChangeAsync(Guid id, OperatorChange change)
    {
        if (await users.FindByIdAsync(id.ToString()) is not { } account) return new(null, NotFound: true);
        if (Check(change) is { Count: > 0 } broken) return new(null, broken);
        await EnsureRolesAsync();
        account.DisplayName = change.DisplayName.Trim();
        account.Disabled = change.Disabled;
        var current = await users.GetRolesAsync(account);
        if (!current.SequenceEqual([change.Role]))
        {
            await users.RemoveFromRolesAsync(account, current);
            await users.AddToRoleAsync(account, change.Role);
        }
        await users.UpdateSecurityStampAsync(account);
        return new(await ViewAsync(account));
    }

    public async Task<AccountOutcome> SetPasswordAsync(Guid id, NewPassword request)
    {
        if (await users.FindByIdAsync(id.ToString()) is not { } account) return new(null, NotFound: true);
        if (Check(request) is { Count: > 0 } broken) return new(null, broken);
        // The rules first: the old password goes only once the new one is known to be acceptable.
        foreach (var validator in users.PasswordValidators)
        {
            var valid = await validator.ValidateAsync(users, account, request.Password);
            if (!valid.Succeeded) return Failed(valid);
        }
        await users.RemovePasswordAsync(account);
        var added = await users.AddPasswordAsync(account, request.Password);
        if (!added.Succeeded) return Failed(added);
        // A new password also lifts a lockout: the administrator has just vouched for the person.
        await users.SetLockoutEndDateAsync(account, null);
        await users.ResetAccessFailedCountAsync(account);
        return new(await ViewAsync(account));
    }

    /// <summary>An invitation for the account; a newer one, or a password set meanwhile, makes older links useless.</summary>
    public async Task<OperatorInvitation?> InviteAsync(Guid id)
    {
        if (await users.FindByIdAsync(id.ToString()) is not { } account) return null;
        // The token is Identity's password-reset token, bound to the account's security stamp: renewing the stamp first
        // voids every earlier link, and choosing the password renews it again, so each link works once.
        await users.UpdateSecurityStampAsync(account);
        var token = await users.GeneratePasswordResetTokenAsync(account);
        var code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(token));
        return new(account.Id, $"{OperatorInvitation.Route}?account={account.Id}&code={code}", clock.GetUtcNow().UtcDateTime + OperatorInvitation.Lifetime);
    }

    /// <summary>The person's own password, through an invitation's code; the account, or the rules broken (the code is field <c>code</c>).</summary>
    public async Task<(OperatorAccount? Account, AccountOutcome Outcome)> AcceptInvitationAsync(Guid id, string code, string password)
    {
        var account = await users.FindByIdAsync(id.ToString());
        string? token = null;
        try
        {
            token = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code));
        }
        catch (FormatException)
        {
            // A mangled link is an invalid one.
        }
        if (account is null || account.Disabled || token is null) return (null, InvalidInvitation());
        if (Check(new NewPassword(password)) is { Count: > 0 } broken) return (null, new(null, broken));
        var reset = await users.ResetPasswordAsync(account, token, password);
        if (!reset.Succeeded)
            return (null, reset.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.InvalidToken)) ? InvalidInvitation() : Failed(reset));
        await users.SetLockoutEndDateAsync(account, null);
        await users.ResetAccessFailedCountAsync(account);
        return (account, new(await ViewAsync(account)));
    }

    static AccountOutcome InvalidInvitation() =>
        new(null, [new AccountError("code", "InvalidToken", "This invitation link is not valid any more: it was used, replaced or expired.")]);

    public async Task<bool> DeleteAsync(Guid id) =>
        await users.FindByIdAsync(id.ToString()) is { } account && (await users.DeleteAsync(account)).Succeeded;

    async Task<OperatorView> ViewAsync(OperatorAccount account) => new(
        account.Id, account.UserName!, account.DisplayName, (await users.GetRolesAsync(account)).FirstOrDefault() ?? OperatorRoles.Agent,
        account.Disabled, await users.IsLockedOutAsync(account), account.CreatedAt);

    async Task EnsureRolesAsync()
    {
        foreach (var role in OperatorRoles.All)
            if (!await roles.RoleExistsAsync(role)) await roles.CreateAsync(new IdentityRole<Guid>(role));
    }

    /// <summary>
    /// The request's own annotations. The API has checked them already; the console's page has not, and it must follow
    /// the same rules, so they are checked here, where both pass.
    /// </summary>
    static List<AccountError> Check<TRequest>(TRequest request) where TRequest : notnull
    {
        var broken = new List<AccountError>();
        foreach (var property in typeof(TRequest).GetProperties())
        {
            var value = property.GetValue(request);
            var context = new ValidationContext(request) { MemberName = property.Name };
            foreach (var rule in property.GetCustomAttributes<ValidationAttribute>())
            {
                if (rule.GetValidationResult(value, context) is { ErrorMessage: { } message })
                    broken.Add(new(JsonNamingPolicy.CamelCase.ConvertName(property.Name), rule.GetType().Name.Replace("Attribute", "", StringComparison.Ordinal), message));
            }
        }
        return broken;
    }

    // Identity's own rules (password length, a user name taken) say which field they are about by their code.
    static AccountOutcome Failed(IdentityResult result) => new(null, [.. result.Errors.Select(e =>
        new AccountError(e.Code.Contains("Password", StringComparison.Ordinal) ? "password" : "userName", e.Code, e.Description))]);
}
