namespace Parley.Hosting;

/// <summary>
/// Headers every response carries, set as the response starts so error pages written by the exception handler
/// carry them too. A header a route set itself (the talk page's no-referrer and its frame-ancestors for the
/// client's allowed origins) is left as it is.
/// </summary>
public static class SecurityHeaders
{
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(Add, context);
        return next(context);
    });

    static Task Add(object state)
    {
        var context = (HttpContext)state;
        var headers = context.Response.Headers;
        if (headers.XContentTypeOptions.Count == 0) headers.XContentTypeOptions = "nosniff";
        if (!headers.ContainsKey("Referrer-Policy")) headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        var path = context.Request.Path;
        // The console and the API docs are never framed by another site (clickjacking); the talk page is framed
        // exactly where its chat client allows, by its own Content-Security-Policy.
        if (path.StartsWithSegments("/console") || path.StartsWithSegments("/docs") || path.StartsWithSegments("/_blazor"))
        {
            headers.XFrameOptions = "SAMEORIGIN";
            if (headers.ContentSecurityPolicy.Count == 0) headers.ContentSecurityPolicy = "frame-ancestors 'self'";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
        }
        return Task.CompletedTask;
    }
}
