using System.Net;

namespace Parley.TalkPage;

public static class TalkPageEndpoints
{
    /// <summary>The hosted chat page of a session; for now a minimal page that names the API it talks to.</summary>
    public static IEndpointRouteBuilder MapTalkPage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/chat/{accessKey}", (string accessKey) => TypedResults.Content(
            $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Parley</title></head>
            <body><main><h1>Parley</h1>
            <p>This conversation is served by the session API at <code>/api/v1/chat/{{WebUtility.HtmlEncode(accessKey)}}</code>.</p>
            </main></body></html>
            """, "text/html; charset=utf-8"))
            .ExcludeFromDescription();
        return app;
    }
}
