using System.Buffers;
using System.Collections;
using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Parley.Hosting;

/// <summary>
/// Hides the keys that travel in URLs before text reaches a log line or a trace: session access keys in paths
/// (<c>/api/v1/chat/wky_…</c>, <c>/chat/wky_…</c>), admin keys (<c>pak_…</c>) wherever they appear, and the value of an
/// <c>access_token</c> query parameter (the operator hub's key, whatever its form). A key keeps its prefix and four
/// characters, enough to tell two sessions apart in a log and never enough to use one. Provider keys and chat-app
/// tokens, which have no shape to find them by, are replaced by their hints once Parley has <see cref="Learn"/>ed them.
/// </summary>
public static partial class SecretRedactor
{
    const int KeptCharacters = 4;
    const char Elision = '…';
    const string HiddenValue = "[redacted]";

    // The encoded forms too: a raw request target or a query string is logged before it is decoded.
    static readonly string[] KeyPrefixes = ["wky_", "pak_", "wky%5f", "pak%5f"];
    static readonly string[] TokenParameters = ["access_token=", "access%5ftoken="];

    static readonly SearchValues<string> Markers =
        SearchValues.Create([.. KeyPrefixes, .. TokenParameters], StringComparison.OrdinalIgnoreCase);
    static readonly SearchValues<char> KeyCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-%");
    static readonly SearchValues<char> QueryValueEnd = SearchValues.Create("&#;,\"'<> \t\r\n");

    // Secrets with no telling shape (a provider's key, a bot token) that Parley decrypted or was given: a provider may
    // echo one in an error ("Incorrect API key provided: sk-…"), which then goes to the log. Shorter ones are too
    // likely to be ordinary words.
    const int ShortestLearnedSecret = 8;
    static readonly Lock LearnLock = new();
    static FrozenSet<string> learned = FrozenSet<string>.Empty;
    static SearchValues<string>? learnedValues;

    /// <summary>From now on, <paramref name="secret"/> is replaced by its hint wherever it appears in logged text.</summary>
    public static void Learn(string? secret)
    {
        if (secret is null || secret.Length < ShortestLearnedSecret || learned.Contains(secret)) return;
        lock (LearnLock)
        {
            learned = FrozenSet.Create(StringComparer.Ordinal, [.. learned, secret]);
            learnedValues = SearchValues.Create([.. learned], StringComparison.Ordinal);
        }
    }

    /// <summary>The text with every key shortened and every access_token value replaced; the same instance when there is none.</summary>
    public static string Redact(string text)
    {
        if (learnedValues is { } secrets && text.AsSpan().IndexOfAny(secrets) >= 0)
        {
            foreach (var secret in learned) text = text.Replace(secret, Admin.Secrets.Mask(secret), StringComparison.Ordinal);
        }
        if (text.AsSpan().IndexOfAny(PathMarkers) >= 0) text = PathSecret().Replace(text, HidePathSecret);
        var next = text.AsSpan().IndexOfAny(Markers);
        if (next < 0) return text;

        var redacted = new StringBuilder(text.Length);
        var rest = text.AsSpan();
        while (next >= 0)
        {
            redacted.Append(rest[..next]);
            rest = rest[next..];
            var tokenParameter = StartingMarker(rest, TokenParameters);
            var marker = tokenParameter ?? StartingMarker(rest, KeyPrefixes)!;
            redacted.Append(rest[..marker.Length]);
            rest = rest[marker.Length..];
            rest = tokenParameter is null ? AppendShortenedKey(redacted, rest) : AppendHiddenValue(redacted, rest);
            next = rest.IndexOfAny(Markers);
        }
        return redacted.Append(rest).ToString();
    }

    /// <summary>
    /// A structured log value with any key in it redacted. Numbers, dates and ids cannot hold a key and stay as they
    /// are, so JSON logs keep their types; anything else is judged by the text a log would print for it.
    /// </summary>
    public static object? RedactValue(object? value)
    {
        switch (value)
        {
            case null or Enum or Guid or DateTime or DateTimeOffset or TimeSpan or decimal:
                return value;
            case string text:
                return Redact(text);
            case IEnumerable items:
                var originals = items.Cast<object?>().ToArray();
                var redacted = Array.ConvertAll(originals, RedactValue);
                return redacted.SequenceEqual(originals) ? value : redacted;
            default:
                if (value.GetType().IsPrimitive) return value;
                var printed = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
                var redactedText = Redact(printed);
                return ReferenceEquals(redactedText, printed) ? value : redactedText;
        }
    }

    /// <summary>Structured log values (a log entry's or a scope's), each redacted; a credential header's value hidden.</summary>
    public static KeyValuePair<string, object?>[] RedactValues(IEnumerable<KeyValuePair<string, object?>> pairs) =>
        [.. pairs.Select(pair => new KeyValuePair<string, object?>(pair.Key, CredentialHeaders.Contains(pair.Key) ? HiddenValue : RedactValue(pair.Value)))];

    // HttpClient's header logging hides values in its message only: its structured state holds every header, named
    // after it, as sent (a provider's Authorization, Z-API's Client-Token, Brave Search's X-Subscription-Token).
    static readonly FrozenSet<string> CredentialHeaders = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "Api-Key", "X-Api-Key", "Client-Token",
        "X-Telegram-Bot-Api-Secret-Token", "X-Subscription-Token");

    // Chat apps put their credentials in request paths: Telegram's bot token (/bot<id>:<secret>/sendMessage), Z-API's
    // instance and token (/instances/<id>/token/<token>/send-text), and the secret of Parley's own Z-API webhook URL.
    static readonly SearchValues<string> PathMarkers =
        SearchValues.Create(["/bot", "/instances/", "/token/", "/webhooks/zapi/"], StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(
        @"(?<keep>/bot\d+:|/instances/|/token/|/webhooks/zapi/[0-9a-fA-F-]{36}/)(?<secret>[^/?#\s""'<>]+)",
        RegexOptions.IgnoreCase)]
    private static partial Regex PathSecret();

    static string HidePathSecret(Match match) =>
        match.Groups["secret"].Value == HiddenValue ? match.Value : match.Groups["keep"].Value + HiddenValue;

    static string? StartingMarker(ReadOnlySpan<char> text, string[] markers)
    {
        foreach (var marker in markers)
            if (text.StartsWith(marker, StringComparison.OrdinalIgnoreCase)) return marker;
        return null;
    }

    // Already shortened keys (the same text redacted twice) are left as they are.
    static ReadOnlySpan<char> AppendShortenedKey(StringBuilder redacted, ReadOnlySpan<char> rest)
    {
        var length = rest.IndexOfAnyExcept(KeyCharacters) is var end and >= 0 ? end : rest.Length;
        if (length == 0) return rest;
        redacted.Append(rest[..Math.Min(length, KeptCharacters)]);
        var alreadyShortened = length <= KeptCharacters && rest.Length > length && rest[length] == Elision;
        if (!alreadyShortened) redacted.Append(Elision);
        return rest[length..];
    }

    static ReadOnlySpan<char> AppendHiddenValue(StringBuilder redacted, ReadOnlySpan<char> rest)
    {
        var length = rest.IndexOfAny(QueryValueEnd) is var end and >= 0 ? end : rest.Length;
        if (length > 0) redacted.Append(HiddenValue);
        return rest[length..];
    }
}
