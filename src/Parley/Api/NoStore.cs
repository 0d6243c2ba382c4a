namespace Parley.Api;

public static class NoStore
{
    /// <summary>
    /// API responses carry access keys, conversations and settings, so no browser or proxy may keep a copy. Set as
    /// the response starts, so error responses written by the exception handler (which clears headers) carry it too.
    /// </summary>
    public static IApplicationBuilder UseNoStoreForApi(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/v1"))
            context.Response.OnStarting(SetNoStore, context.Response);
        return next(context);
    });

    static Task SetNoStore(object state)
    {
        var headers = ((HttpResponse)state).Headers;
        if (!headers.CacheControl.ToString().Contains("no-store", StringComparison.OrdinalIgnoreCase)) headers.CacheControl = "no-store";
        return Task.CompletedTask;
    }
}
