using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Parley.OperatorConsole;

/// <summary>
/// Identity's user manager with lockouts on Parley's clock. Identity reads the system clock for them, so a lockout's
/// end, the minutes the login page tells, and the once-a-minute session check would each follow a different clock.
/// </summary>
public sealed class OperatorUserManager(
    IUserStore<OperatorAccount> store, IOptions<IdentityOptions> options, IPasswordHasher<OperatorAccount> hasher,
    IEnumerable<IUserValidator<OperatorAccount>> userValidators, IEnumerable<IPasswordValidator<OperatorAccount>> passwordValidators,
    ILookupNormalizer normalizer, IdentityErrorDescriber errors, IServiceProvider services, ILogger<UserManager<OperatorAccount>> logger,
    TimeProvider clock)
    : UserManager<OperatorAccount>(store, options, hasher, userValidators, passwordValidators, normalizer, errors, services, logger)
{
    IUserLockoutStore<OperatorAccount> Lockouts => (IUserLockoutStore<OperatorAccount>)Store;

    public override async Task<bool> IsLockedOutAsync(OperatorAccount user) =>
        await Lockouts.GetLockoutEnabledAsync(user, CancellationToken)
        && await Lockouts.GetLockoutEndDateAsync(user, CancellationToken) is { } end
        && end > clock.GetUtcNow();

    /// <summary>As Identity counts a failed attempt, with the lockout's end on Parley's clock.</summary>
    public override async Task<IdentityResult> AccessFailedAsync(OperatorAccount user)
    {
        var failures = await Lockouts.IncrementAccessFailedCountAsync(user, CancellationToken);
        if (failures >= Options.Lockout.MaxFailedAccessAttempts)
        {
            await Lockouts.SetLockoutEndDateAsync(user, clock.GetUtcNow() + Options.Lockout.DefaultLockoutTimeSpan, CancellationToken);
            await Lockouts.ResetAccessFailedCountAsync(user, CancellationToken);
        }
        return await UpdateUserAsync(user);
    }
}
