using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Parley.Testing.Channels;

/// <summary>
/// Telegram's parse_mode "HTML", as the Bot API applies it to a message: tags become entities of the plain text, and
/// markup it cannot read refuses the whole message with "can't parse entities" (a bare "&lt;" in a model's reply is
/// enough). The error wording follows Telegram's (TDLib's HTML parser), offsets in UTF-8 bytes as it counts them.
/// </summary>
static partial class TelegramHtml
{
    static readonly Dictionary<string, string> EntityTypes = new()
    {
        ["b"] = "bold", ["strong"] = "bold", ["i"] = "italic", ["em"] = "italic", ["u"] = "underline", ["ins"] = "underline",
        ["s"] = "strikethrough", ["strike"] = "strikethrough", ["del"] = "strikethrough", ["span"] = "spoiler",
        ["tg-spoiler"] = "spoiler", ["a"] = "text_link", ["code"] = "code", ["pre"] = "pre", ["blockquote"] = "blockquote",
        ["tg-emoji"] = "custom_emoji",
    };

    // Named entities beyond these stay literal text, as in Telegram; numeric ones are all decoded.
    static readonly Dictionary<string, string> NamedEntities = new() { ["lt"] = "<", ["gt"] = ">", ["amp"] = "&", ["quot"] = "\"" };

    public static (string Text, JsonArray Entities, string? Error) Parse(string html)
    {
        var text = new StringBuilder();
        var entities = new JsonArray();
        var open = new Stack<(string Tag, int Offset, JsonObject Entity)>();
        var i = 0;
        while (i < html.Length)
        {
            if (html[i] == '&' && DecodeEntity(html, i) is ({ } decoded, var length))
            {
                text.Append(decoded);
                i += length;
                continue;
            }
            if (html[i] != '<')
            {
                text.Append(html[i++]);
                continue;
            }

            var start = i;
            if (i + 1 < html.Length && html[i + 1] == '/')
            {
                var close = html.IndexOf('>', i);
                if (close < 0)
                    return Fail($"Unclosed end tag at byte offset {ByteOffset(html, start)}");
                var name = html[(i + 2)..close].Trim().ToLowerInvariant();
                i = close + 1;
                if (open.Count == 0)
                    return Fail($"Unexpected end tag at byte offset {ByteOffset(html, start)}");
                var (tag, offset, entity) = open.Pop();
                if (name != tag)
                    return Fail($"Unmatched end tag at byte offset {ByteOffset(html, start)}, expected \"</{tag}>\", found \"</{name}>\"");
                if (text.Length > offset)
                {
                    entity["offset"] = offset;
                    entity["length"] = text.Length - offset;
                    entities.Add(entity);
                }
                continue;
            }

            // A tag name ends at a space or '>', as in Telegram's parser: "a < b" fails on an empty tag name.
            var nameEnd = i + 1;
            while (nameEnd < html.Length && !char.IsWhiteSpace(html[nameEnd]) && html[nameEnd] != '>')
                nameEnd++;
            if (nameEnd == html.Length)
                return Fail($"Unclosed start tag at byte offset {ByteOffset(html, start)}");
            var tagName = html[(i + 1)..nameEnd].ToLowerInvariant();
            if (!EntityTypes.TryGetValue(tagName, out var type))
                return Fail($"Unsupported start tag \"{tagName}\" at byte offset {ByteOffset(html, start)}");
            var tagEnd = html.IndexOf('>', nameEnd);
            if (tagEnd < 0)
                return Fail($"Unclosed start tag at byte offset {ByteOffset(html, start)}");
            var attributes = Attributes().Matches(html[nameEnd..tagEnd])
                .ToDictionary(a => a.Groups["name"].Value.ToLowerInvariant(), a => WebUtility.HtmlDecode(a.Groups["value"].Value));
            i = tagEnd + 1;
            if (tagName == "span" && attributes.GetValueOrDefault("class") != "tg-spoiler")
                return Fail($"Tag \"span\" must have class \"tg-spoiler\" at byte offset {ByteOffset(html, start)}");

            var newEntity = new JsonObject { ["type"] = tagName == "blockquote" && attributes.ContainsKey("expandable") ? "expandable_blockquote" : type };
            if (tagName == "a")
                newEntity["url"] = attributes.GetValueOrDefault("href") ?? "";
            if (tagName == "tg-emoji")
                newEntity["custom_emoji_id"] = attributes.GetValueOrDefault("emoji-id") ?? "";
            open.Push((tagName, text.Length, newEntity));
        }

        if (open.Count > 0)
            return Fail($"Can't find end tag corresponding to start tag \"{open.Peek().Tag}\"");
        // Telegram lists entities by where they start; an outer entity comes before the ones nested in it.
        var sorted = new JsonArray([.. entities.OrderBy(e => (int)e!["offset"]!).ThenByDescending(e => (int)e!["length"]!).Select(e => e!.DeepClone())]);
        return (text.ToString(), sorted, null);

        (string, JsonArray, string?) Fail(string error) => ("", [], $"Bad Request: can't parse entities: {error}");
    }

    static (string? Text, int Length) DecodeEntity(string html, int at)
    {
        var end = html.IndexOf(';', at);
        if (end < 0 || end - at > 10)
            return (null, 0);
        var name = html[(at + 1)..end];
        if (NamedEntities.TryGetValue(name, out var named))
            return (named, end - at + 1);
        var code = name switch
        {
            ['#', 'x' or 'X', .. var hex] when int.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h) => h,
            ['#', .. var dec] when int.TryParse(dec, NumberStyles.None, CultureInfo.InvariantCulture, out var d) => d,
            _ => -1,
        };
        return code is > 0 and <= 0x10FFFF and not (>= 0xD800 and <= 0xDFFF) ? (char.ConvertFromUtf32(code), end - at + 1) : (null, 0);
    }

    static int ByteOffset(string html, int index) => Encoding.UTF8.GetByteCount(html.AsSpan(0, index));

    [GeneratedRegex("""(?<name>[A-Za-z-]+)(?:\s*=\s*(?:"(?<value>[^"]*)"|'(?<value>[^']*)'|(?<value>[^\s"'>]+)))?""")]
    private static partial Regex Attributes();
}
