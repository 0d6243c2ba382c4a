using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Parley.Api;

namespace Parley.Admin;

/// <summary>How many requests of each kind are accepted per minute (<c>Parley:RateLimits:…</c>); 0 turns a limit off.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Sessions one admin key may create.</summary>
    [Range(0, 10_000_000)] public int SessionsPerMinute { get; set; } = 600;

    /// <summary>Requests to one session's API and talk page (one access key).</summary>
    [Range(0, 10_000_000)] public int SessionRequestsPerMinute { get; set; } = 120;

    /// <summary>Requests to the session API and talk pages from one client address, all sessions together.</summary>
    [Range(0, 10_000_000)] public int SessionRequestsPerMinutePerAddress { get; set; } = 1_200;

    /// <summary>Failed authentications from one client address; past it, that address is refused for the rest of the minute.</summary>
    [Range(0, 10_000_000)] public int FailedAuthenticationsPerMinute { get; set; } = 30;
}

/// <summary>
/// ASP.NET Core rate limiting for the entry points anyone can reach: session creation per admin key, the session API
/// and talk page per access key and per client address, and an address that keeps failing to authenticate. Each
/// refusal is a 429 with Retry-After and the error code <c>rate_limited</c>.
/// </summary>
public static class RateLimits
{
    public const string SessionCreation = "session-creation";
    public const string SessionApi = "session-api";
    public const string Code = "rate_limited";
    static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddParleyRateLimits(this IServiceCollection services) => services.AddRateLimiter(options =>
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = (context, _) => RefuseAsync(context.HttpContext,
            context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Window);
        // Keys are held as hashes: the limiter's memory never holds a usable key.
        options.AddPolicy(SessionCreation, context =>
            PerMinute("admin:" + Secrets.Hash(context.Request.Headers.Authorization.ToString()), Limits(context).SessionsPerMinute));
        options.AddPolicy(SessionApi, context =>
            PerMinute("session:" + Secrets.Hash(context.Request.RouteValues["accessKey"] as string ?? ""), Limits(context).SessionRequestsPerMinute));
        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            IsSessionPath(context.Request.Path)
                ? PerMinute(FailedAuthentications.ClientAddress(context), Limits(context).SessionRequestsPerMinutePerAddress)
                : RateLimitPartition.GetNoLimiter(""));
    });

    /// <summary>Sheds a flood before it costs anything, and refuses an address past its failed authentications.</summary>
    public static IApplicationBuilder UseParleyRateLimits(this IApplicationBuilder app)
    {
        app.Use((context, next) =>
        {
            var limit = Limits(context).FailedAuthenticationsPerMinute;
            if (limit > 0 && context.RequestServices.GetRequiredService<FailedAuthentications>().BlockedFor(context, limit) is { } wait)
                return RefuseAsync(context, wait).AsTask();
            return next(context);
        });
        return app.UseRateLimiter();
    }

    static bool IsSessionPath(PathString path) => path.StartsWithSegments("/api/v1/chat") || path.StartsWithSegments("/chat");

    static RateLimitOptions Limits(HttpContext context) => context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;

    static RateLimitPartition<string> PerMinute(string key, int limit) => limit <= 0
        ? RateLimitPartition.GetNoLimiter(key)
        : RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit,
            Window = Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });

    static async ValueTask RefuseAsync(HttpContext context, TimeSpan wait)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await ApiProblem.Create(StatusCodes.Status429TooManyRequests, Code,
            $"Too many requests. Try again in {seconds} seconds.", new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds })
            .ExecuteAsync(context);
    }
}
