using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Parley.OperatorConsole;

/// <summary>An operator account as the API and the console show it; never its password hash.</summary>
public sealed record OperatorView(Guid Id, string UserName, string DisplayName, string Role, bool Disabled, bool LockedOut, DateTime CreatedAt);

public sealed record NewOperator(
    [property: Required(ErrorMessage = "The userName field is required."),
        RegularExpression("^[A-Za-z0-9._@+-]{3,64}$", ErrorMessage = "The userName field must be 3 to 64 letters, digits or . _ @ + -.")]
    string UserName,
    [property: Required(ErrorMessage = "The displayName field is required."), StringLength(100, MinimumLength = 1)] string DisplayName,
    [property: Required(ErrorMessage = "The password field is required.")] string Password,
    [property: Required(ErrorMessage = "The role field is required: \"admin\" or \"agent\"."),
        RegularExpression("^(admin|agent)$", ErrorMessage = "The role field must be \"admin\" or \"agent\".")] string Role);

public sealed record OperatorChange(
    [property: Required(ErrorMessage = "The displayName field is required."), StringLength(100, MinimumLength = 1)] string DisplayName,
    [property: Required(ErrorMessage = "The role field is required: \"admin\" or \"agent\"."),
        RegularExpression("^(admin|agent)$", ErrorMessage = "The role field must be \"admin\" or \"agent\".")] string Role,
    bool Disabled = false);

public sealed record NewPassword([property: Required(ErrorMessage = "The password field is required.")] string Password);

/// <summary>Either what was done, or the fields that were wrong (a camelCase field, and the rules it broke).</summary>
public sealed record AccountOutcome(OperatorView? Account, IReadOnlyDictionary<string, string[]>? Errors = null, bool NotFound = false);

/// <summary>
/// The one place operator accounts are made and changed, for the admin API and the console's Operators page alike,
/// so both follow the same rules. A change of role, password or state renews the account's security stamp, which
/// ends its open console sessions at their next check.
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
        await EnsureRolesAsync();
        var account = new OperatorAccount { UserName = request.UserName.Trim(), DisplayName = request.DisplayName.Trim(), CreatedAt = clock.GetUtcNow().UtcDateTime };
        var created = await users.CreateAsync(account, request.Password);
        if (!created.Succeeded) return Failed(created);
        await users.AddToRoleAsync(account, request.Role);
        return new(await ViewAsync(account));
    }

    public async Task<AccountOutcome> ChangeAsync(Guid id, OperatorChange change)
    {
        if (await users.FindByIdAsync(id.ToString()) is not { } account) return new(null, NotFound: true);
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

    public async Task<AccountOutcome> SetPasswordAsync(Guid id, string password)
    {
        if (await users.FindByIdAsync(id.ToString()) is not { } account) return new(null, NotFound: true);
        // The rules first: the old password goes only once the new one is known to be acceptable.
        foreach (var validator in users.PasswordValidators)
        {
            var valid = await validator.ValidateAsync(users, account, password);
            if (!valid.Succeeded) return Failed(valid);
        }
        await users.RemovePasswordAsync(account);
        var added = await users.AddPasswordAsync(account, password);
        if (!added.Succeeded) return Failed(added);
        // A new password also lifts a lockout: the administrator has just vouched for the person.
        await users.SetLockoutEndDateAsync(account, null);
        await users.ResetAccessFailedCountAsync(account);
        return new(await ViewAsync(account));
    }

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

    // Identity's own rules (password length, a user name taken) say which field they are about by their code.
    static AccountOutcome Failed(IdentityResult result) => new(null, result.Errors
        .GroupBy(e => e.Code.Contains("Password", StringComparison.Ordinal) ? "password" : "userName")
        .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
}
