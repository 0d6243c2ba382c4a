using Microsoft.AspNetCore.Diagnostics;
using StackExchange.Redis;

namespace Parley.Scaling;

/// <summary>
/// While Redis is unreachable, requests that need it (starting a reply) get a clear 503 instead of a 500; stored
/// conversations stay readable because they live in the database.
/// </summary>
public sealed class SharedStateUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not (RedisConnectionException or RedisTimeoutException)) return false;

        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Detail = "Parley cannot reach its shared state (Redis) right now. Please try again in a few seconds.",
                Extensions = { ["code"] = "shared_state_unavailable" },
            },
        });
    }
}
