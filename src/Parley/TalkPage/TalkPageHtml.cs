using System.Collections.Frozen;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Parley.ChatClients;
using Parley.Conversations;

namespace Parley.TalkPage;

public sealed record TalkPageModel(ClientParameters Parameters, ChatView Chat, FrozenDictionary<string, string> Strings, string Api);

/// <summary>
/// The HTML of the talk page. Every value from the chat client's settings is encoded; the only raw text is the
/// operator's own custom CSS and JS, added after Parley's so they can restyle and extend the page.
/// </summary>
public static partial class TalkPageHtml
{
    static readonly HtmlEncoder Html = HtmlEncoder.Default;

    // System.Text.Json escapes <, > and & by default, so the configuration cannot close its <script> element.
    static readonly JsonSerializerOptions ConfigJson = new(JsonSerializerOptions.Web);

    public static string ContentSecurityPolicy(string nonce, IReadOnlyList<string> frameOrigins) =>
        $"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; img-src 'self' https: data: blob:; "
        // blob: for previews of files about to be sent and for the audio of replies read aloud.
        + "media-src 'self' blob:; font-src 'self' https: data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        + $"frame-ancestors {(frameOrigins.Count == 0 ? "*" : string.Join(' ', frameOrigins))}";

    public static string Render(TalkPageModel page, PageAssets assets, string nonce)
    {
        var p = page.Parameters;
        var s = page.Strings;
        var title = p.PageTitle ?? page.Chat.ClientName;
        // The code for files loads only for an assistant that takes them: the page stays light for the others.
        var attachScript = p.AllowAttachments ? assets.Url("/talk/attach.js") : null;
        var config = JsonSerializer.Serialize(new { api = page.Api, strings = page.Strings, chat = page.Chat, attachScript }, ConfigJson);
        var suggestions = string.Concat(p.SuggestionButtons.Select(b =>
            $"""<button type="button" class="parley-suggestion" data-prompt="{E(b.Prompt)}">{E(b.Label)}</button>"""));
        var logo = p.LogoImageUrl is { Length: > 0 } url ? $"""<img class="parley-logo" src="{E(url)}" alt="">""" : "";
        var primary = p.PrimaryColor is { Length: > 0 } color ? $":root{{--parley-primary:{color}}}" : "";

        return $$"""
            <!doctype html>
            <html lang="{{E(p.LanguageCode)}}">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
            <meta name="referrer" content="no-referrer">
            <link rel="icon" href="data:,">
            <title>{{E(title)}}</title>
            <link rel="stylesheet" href="{{assets.Url("/talk/talk.css")}}">
            <style nonce="{{nonce}}">{{primary}}</style>
            <style nonce="{{nonce}}">{{RawStyle(p.CustomStyles)}}</style>
            <script type="application/json" id="parley-config">{{config}}</script>
            </head>
            <body class="parley">
            <div class="parley-app">
              <header class="parley-header">
                {{logo}}
                <h1 class="parley-title">{{E(title)}}</h1>
                <span class="parley-session-usage" hidden></span>
                {{(page.Chat.ContinueOn.Count == 0 ? "" : $"""<button type="button" class="parley-continue" aria-label="{E(s["ContinueOnPhone"])}" title="{E(s["ContinueOnPhone"])}"><svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M7 2h10a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm0 3v13h10V5H7zm5 14.2a1 1 0 1 0 0 2 1 1 0 0 0 0-2z"/></svg></button>""")}}
                <button type="button" class="parley-clear" aria-label="{{E(s["Clear"])}}" title="{{E(s["Clear"])}}">
                  <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M9 3h6l1 2h4v2H4V5h4l1-2zm-3 6h12l-1 12H7L6 9zm4 2v8h2v-8h-2zm4 0v8h2v-8h-2z"/></svg>
                </button>
              </header>
              {{(p.PrivacyMode ? $"""<p class="parley-privacy">{E(s["PrivacyNotice"])}</p>""" : "")}}
              <p class="parley-person" role="status" hidden></p>
              <main class="parley-main">
                <section class="parley-hello">
                  <h2 class="parley-hello-label">{{E(p.HelloLabel ?? s["DefaultHello"])}}</h2>
                  <p class="parley-hello-sublabel">{{E(p.HelloSubLabel ?? s["DefaultHelloSub"])}}</p>
                  <div class="parley-suggestions">{{suggestions}}</div>
                </section>
                <ol class="parley-messages" aria-label="{{E(s["Conversation"])}}"></ol>
              </main>
              <div class="parley-status parley-visually-hidden" role="status" aria-live="polite"></div>
              <form class="parley-composer" novalidate>
                <label for="parley-input" class="parley-visually-hidden">{{E(s["MessageLabel"])}}</label>
                <textarea id="parley-input" class="parley-input" rows="1" placeholder="{{E(p.TextAreaPlaceholder ?? s["DefaultPlaceholder"])}}" aria-describedby="parley-hint"></textarea>
                <button type="submit" class="parley-send" aria-label="{{E(s["Send"])}}" title="{{E(s["Send"])}}">
                  <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M3 20l18-8L3 4v6l12 2-12 2z"/></svg>
                </button>
                <p id="parley-hint" class="parley-visually-hidden">{{E(s["KeyboardHint"])}}</p>
              </form>
              <dialog class="parley-continue-dialog" aria-labelledby="parley-continue-title">
                <h2 id="parley-continue-title">{{E(s["ContinueOnPhone"])}}</h2>
                <p>{{E(s["ContinueHint"])}}</p>
                <div class="parley-continue-links"></div>
                <form method="dialog"><div class="parley-confirm-actions"><button value="close" class="parley-button-secondary">{{E(s["Close"])}}</button></div></form>
              </dialog>
              <dialog class="parley-confirm" aria-labelledby="parley-confirm-title">
                <form method="dialog">
                  <h2 id="parley-confirm-title">{{E(s["ClearConfirmTitle"])}}</h2>
                  <p>{{E(s["ClearConfirmBody"])}}</p>
                  <div class="parley-confirm-actions">
                    <button value="cancel" class="parley-button-secondary">{{E(s["Cancel"])}}</button>
                    <button value="clear" class="parley-button-danger">{{E(s["ClearConfirmYes"])}}</button>
                  </div>
                </form>
              </dialog>
            </div>
            <script nonce="{{nonce}}" src="{{assets.Url("/vendor/marked.min.js")}}"></script>
            <script nonce="{{nonce}}" src="{{assets.Url("/vendor/purify.min.js")}}"></script>
            <script nonce="{{nonce}}" src="{{assets.Url("/talk/talk.js")}}"></script>
            <script nonce="{{nonce}}">{{RawScript(p.CustomScripts)}}</script>
            </body>
            </html>
            """;
    }

    public static string NotFound(PageAssets assets)
    {
        var s = TalkStrings.For("en");
        return Notice("en", s["NotFoundTitle"], s["NotFoundBody"], assets);
    }

    /// <summary>The page of an expired session, in its chat client's language, with nothing of the conversation.</summary>
    public static string Ended(string languageCode, PageAssets assets)
    {
        var s = TalkStrings.For(languageCode);
        return Notice(languageCode, s["EndedTitle"], s["EndedBody"], assets);
    }

    static string Notice(string languageCode, string title, string body, PageAssets assets) => $"""
        <!doctype html>
        <html lang="{E(languageCode)}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{E(title)}</title>
        <link rel="stylesheet" href="{assets.Url("/talk/talk.css")}">
        </head>
        <body class="parley"><main class="parley-not-found"><h1>{E(title)}</h1><p>{E(body)}</p></main></body>
        </html>
        """;

    static string E(string value) => Html.Encode(value);

    // Operator CSS and JS are trusted, but must not end their own element early.
    static string RawStyle(string? css) => css is null ? "" : ClosingStyle().Replace(css, "<\\/style");
    static string RawScript(string? js) => js is null ? "" : ClosingScript().Replace(js, "<\\/script");

    [GeneratedRegex("</style", RegexOptions.IgnoreCase)]
    private static partial Regex ClosingStyle();

    [GeneratedRegex("</script", RegexOptions.IgnoreCase)]
    private static partial Regex ClosingScript();
}
