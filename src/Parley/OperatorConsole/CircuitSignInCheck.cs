using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Parley.OperatorConsole;

/// <summary>
/// The cookie's once-a-minute check, for an open interactive page. Its circuit sends no requests that carry the cookie,
/// so without this an account disabled or demoted while its page is open would go on working in it. When the check
/// fails, the circuit's user becomes anonymous, and the page's <c>LiveSession</c> leaves for the login page.
/// </summary>
public sealed partial class CircuitSignInCheck(
    AuthenticationStateProvider authentication, IServiceScopeFactory scopes, TimeProvider clock, ILogger<CircuitSignInCheck> logger)
    : CircuitHandler, IAsyncDisposable
{
    readonly CancellationTokenSource closed = new();
    Task checking = Task.CompletedTask;

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        // The timer starts with the circuit; the checks run off the circuit's dispatcher, since they read the
        // database and must never hold up the page's own events.
        var everyMinute = new PeriodicTimer(ConsoleAuthentication.CheckEvery, clock);
        checking = Task.Run(() => CheckAsync(everyMinute, closed.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public override async Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken) => await StopAsync();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        closed.Dispose();
    }

    async Task StopAsync()
    {
        if (!closed.IsCancellationRequested) await closed.CancelAsync();
        await checking;
    }

    async Task CheckAsync(PeriodicTimer everyMinute, CancellationToken ct)
    {
        using var timer = everyMinute;
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var user = (await authentication.GetAuthenticationStateAsync()).User;
                if (user.Identity?.IsAuthenticated != true) return;
                if (await StillValidAsync(user)) continue;
                ((IHostEnvironmentAuthenticationStateProvider)authentication).SetAuthenticationState(
                    Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
                return;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    async Task<bool> StillValidAsync(ClaimsPrincipal user)
    {
        try
        {
            // A scope per check: the circuit's own scope lives as long as the page, and its database context with it.
            await using var scope = scopes.CreateAsyncScope();
            return await ConsoleAuthentication.IsStillValidAsync(user, scope.ServiceProvider);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Fails closed: a page for signed-in people only is not left open on a check that could not be made.
            LogCheckFailed(logger, ex);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The sign-in of an open console page could not be checked; the page signs out")]
    static partial void LogCheckFailed(ILogger logger, Exception exception);
}
