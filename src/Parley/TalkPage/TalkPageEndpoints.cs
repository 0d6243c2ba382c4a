using System.Security.Cryptography;
using Parley.Admin;
using Parley.Conversations;

namespace Parley.TalkPage;

public static class TalkPageEndpoints
{
    public static IEndpointRouteBuilder MapTalkPage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/chat/{accessKey}", ShowAsync).RequireRateLimiting(RateLimits.SessionApi).ExcludeFromDescription();
        // The path of the AIVAX documents, so talk links built for that layout keep working.
        app.MapGet("/www/web-chat-clients/{accessKey}", ShowAsync).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// The hosted chat page of a session. The conversation so far is in the page itself, so it shows at first paint
    /// without a second round trip. An expired session shows that it has ended, and nothing of the conversation.
    /// </summary>
    static async Task<IResult> ShowAsync(
        string accessKey, HttpContext http, ConversationService conversations, PageAssets assets, CancellationToken ct)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        var access = await conversations.OpenAsync(accessKey, ct);
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        // The access key is in this page's URL: no link followed from it may carry that URL on.
        headers["Referrer-Policy"] = "no-referrer";

        if (access.Open is not { } context)
        {
            headers.ContentSecurityPolicy = TalkPageHtml.ContentSecurityPolicy(nonce, []);
            return access.Context is { } expired
                ? Page(TalkPageHtml.Ended(expired.Client.ClientParameters.LanguageCode, assets), StatusCodes.Status410Gone)
                : UnknownKey(http, assets);
        }

        var parameters = context.Client.ClientParameters;
        headers.ContentSecurityPolicy = TalkPageHtml.ContentSecurityPolicy(nonce, parameters.AllowedFrameOrigins);
        var view = await conversations.ViewAsync(context, accessKey, FailedAuthentications.ClientAddress(http), ct);
        var page = new TalkPageModel(parameters, view, TalkStrings.For(parameters.LanguageCode), $"/api/v1/chat/{accessKey}");
        return Page(TalkPageHtml.Render(page, assets, nonce), StatusCodes.Status200OK);
    }

    static IResult UnknownKey(HttpContext http, PageAssets assets)
    {
        http.RequestServices.GetRequiredService<FailedAuthentications>().Record(http, "access key");
        return Page(TalkPageHtml.NotFound(assets), StatusCodes.Status404NotFound);
    }

    static IResult Page(string html, int status) => Results.Content(html, "text/html; charset=utf-8", statusCode: status);
}
