using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Memory;
using Parley.ChatClients;
using Parley.Conversations;
using Parley.TalkPage;

namespace Parley.OperatorConsole.Editors;

/// <summary>
/// The live preview of a chat client being edited: the editor puts its unsaved parameters here under a random token,
/// and an iframe shows the real talk page rendered from them, as a new end user sees it (no messages yet). Only on
/// the instance that holds the editor's circuit, which is the one the iframe's request reaches with sticky sessions;
/// a preview is short-lived and never shared.
/// </summary>
public sealed class TalkPreviews(IMemoryCache cache, TimeProvider clock)
{
    public const string Path = "/console/clients/preview";
    static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    sealed record Preview(string ClientName, ClientParameters Parameters);

    readonly IMemoryCache cache = cache;
    readonly TimeProvider clock = clock;

    public void Put(Guid token, string clientName, ClientParameters parameters) =>
        cache.Set(Key(token), new Preview(clientName, parameters), new MemoryCacheEntryOptions { SlidingExpiration = Lifetime });

    public static IEndpointRouteBuilder MapTalkPreviews(IEndpointRouteBuilder app)
    {
        app.MapGet($"{Path}/{{token:guid}}", Show).RequireAuthorization(ConsoleAuthentication.AdminPolicy).ExcludeFromDescription();
        // The previewed page follows its session's live events. A preview has no session, so the stream stays open
        // and silent until the page goes (an error status would be logged by the browser, and an ended stream asked
        // for again). The sandboxed page has no origin of its own, so the answer must allow any to read it.
        app.MapGet($"{Path}/{{token:guid}}/api/events", async (Guid token, HttpContext http, TalkPreviews previews) =>
        {
            http.Response.Headers.AccessControlAllowOrigin = "*";
            // Only a preview that exists holds a connection open: the token is a secret of the editor that made it.
            if (!previews.cache.TryGetValue(Key(token), out _))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            http.Response.ContentType = "text/event-stream";
            await http.Response.Body.FlushAsync(http.RequestAborted);
            try
            {
                await Task.Delay(Timeout.Infinite, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The preview was closed or reloaded.
            }
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    static IResult Show(Guid token, HttpContext http, TalkPreviews previews, PageAssets assets)
    {
        if (!previews.cache.TryGetValue(Key(token), out Preview? preview) || preview is null) return Results.NotFound();

        var p = preview.Parameters;
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        // Framed by the console only, whatever origins the client allows.
        http.Response.Headers.ContentSecurityPolicy = TalkPageHtml.ContentSecurityPolicy(nonce, ["'self'"]);
        http.Response.Headers.CacheControl = "no-store";
        var chat = new ChatView(Guid.Empty, preview.ClientName, ChatPageParameters.Of(p), new LimitingParameters(), new LimitsApplied(false, null),
            previews.clock.GetUtcNow().UtcDateTime.AddHours(1), new UsageView(0, 0, "total"), false, [], [], null);
        // The preview has no session: its messages go nowhere (the API path answers 404 to a talk page that sends one).
        var page = new TalkPageModel(p, chat, TalkStrings.For(p.LanguageCode), $"{Path}/{token}/api");
        return Results.Content(TalkPageHtml.Render(page, assets, nonce), "text/html; charset=utf-8");
    }

    static string Key(Guid token) => $"talk-preview:{token}";
}
