using System.Security.Cryptography;
using Parley.Conversations;

namespace Parley.TalkPage;

public static class TalkPageEndpoints
{
    public static IEndpointRouteBuilder MapTalkPage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/chat/{accessKey}", ShowAsync).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// The hosted chat page of a session. The conversation so far is in the page itself, so it shows at first paint
    /// without a second round trip.
    /// </summary>
    static async Task<IResult> ShowAsync(
        string accessKey, HttpContext http, ConversationService conversations, PageAssets assets, CancellationToken ct)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        var context = await conversations.FindAsync(accessKey, ct);
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        // The access key is in this page's URL: no link followed from it may carry that URL on.
        headers["Referrer-Policy"] = "no-referrer";

        if (context is null)
        {
            headers.ContentSecurityPolicy = TalkPageHtml.ContentSecurityPolicy(nonce, []);
            return Results.Content(TalkPageHtml.NotFound(TalkStrings.For("en"), assets), "text/html; charset=utf-8",
                statusCode: StatusCodes.Status404NotFound);
        }

        var parameters = context.Client.ClientParameters;
        headers.ContentSecurityPolicy = TalkPageHtml.ContentSecurityPolicy(nonce, parameters.AllowedFrameOrigins);
        var expired = conversations.RefuseIfExpired(context) is not null;
        var view = await conversations.ViewAsync(context, ct);
        var page = new TalkPageModel(parameters, view, expired, TalkStrings.For(parameters.LanguageCode), $"/api/v1/chat/{accessKey}");
        return Results.Content(TalkPageHtml.Render(page, assets, nonce), "text/html; charset=utf-8");
    }
}
