using Microsoft.Extensions.Primitives;

namespace Parley.Conversations;

/// <summary>
/// Cross-origin calls to the session API (<c>/api/v1/chat/{accessKey}/…</c>) from a business's own web app: allowed
/// from any origin while the chat client names no allowed origins, and then from those origins only (the same list
/// that may frame its talk page). The access key is the credential, so no cookies are involved.
/// </summary>
public static class SessionCors
{
    const string Prefix = "/api/v1/chat/";
    static readonly TimeSpan PreflightCache = TimeSpan.FromMinutes(10);

    public static IApplicationBuilder UseSessionCors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (!request.Headers.TryGetValue("Origin", out var origin) || !request.Path.StartsWithSegments("/api/v1/chat")
            || IsSameOrigin(request, origin))
        {
            await next(context);
            return;
        }
        var allowed = await AllowedOriginAsync(context, origin.ToString());
        var preflight = HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey("Access-Control-Request-Method");
        var headers = context.Response.Headers;
        headers.Vary = "Origin";
        if (allowed is not null)
        {
            headers.AccessControlAllowOrigin = allowed;
            headers.AccessControlExposeHeaders = "Retry-After";
        }
        if (preflight)
        {
            // Answered here: no endpoint takes OPTIONS. Without an allowed origin the browser refuses the call.
            if (allowed is not null)
            {
                headers.AccessControlAllowMethods = "GET, POST, DELETE";
                headers.AccessControlAllowHeaders = "Content-Type, Accept, Last-Event-ID";
                headers.AccessControlMaxAge = ((int)PreflightCache.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        await next(context);
    });

    /// <summary>What Access-Control-Allow-Origin says for this origin: "*", the origin itself, or null (not allowed).</summary>
    static async Task<string?> AllowedOriginAsync(HttpContext context, string origin)
    {
        var path = context.Request.Path.Value ?? "";
        var end = path.IndexOf('/', Prefix.Length);
        var accessKey = end < 0 ? path[Prefix.Length..] : path[Prefix.Length..end];
        var access = await context.RequestServices.GetRequiredService<ConversationService>().OpenAsync(accessKey, context.RequestAborted);
        // An unknown key gets no answer that tells it apart from a known one: any origin may read the 404.
        if (access.Context is not { } session) return "*";
        var origins = session.Client.ClientParameters.AllowedFrameOrigins;
        if (origins.Count == 0) return "*";
        return origins.Contains(origin, StringComparer.OrdinalIgnoreCase) ? origin : null;
    }

    static bool IsSameOrigin(HttpRequest request, StringValues origin) =>
        string.Equals(origin.ToString(), $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
}
