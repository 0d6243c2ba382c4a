using Microsoft.AspNetCore.Diagnostics;
using Parley.Api;
using StackExchange.Redis;

namespace Parley.Scaling;

/// <summary>
/// While Redis is unreachable, requests that need it (starting a reply) get a clear 503 instead of a 500; stored
/// conversations stay readable because they live in the database.
/// </summary>
public sealed class SharedStateUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken) =>
        exception is RedisConnectionException or RedisTimeoutException
            ? ApiProblem.WriteUnavailableAsync(problems, httpContext, exception, "shared_state_unavailable",
                "Parley cannot reach its shared state (Redis) right now. Please try again in a few seconds.", 5)
            : ValueTask.FromResult(false);
}
