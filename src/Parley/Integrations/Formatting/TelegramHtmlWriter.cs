using System.Text;

namespace Parley.Integrations.Formatting;

// Telegram Bot API "HTML" parse mode. Only the tags Telegram knows are written and every other <, > and & is an
// entity, so nothing the model wrote can be taken for markup. Tags open and close in stack order, so any slice
// of a reply is balanced on its own.
internal static class TelegramHtmlWriter
{
    public static string Write(StyledText text, int start, int end)
    {
        var html = new StringBuilder();
        var open = new List<Style>();
        foreach (var run in text.RunsBetween(start, end))
        {
            var wanted = Renderable(run.Styles);
            var kept = open.Zip(wanted).TakeWhile(pair => pair.First == pair.Second).Count();
            for (var i = open.Count - 1; i >= kept; i--) html.Append(CloseTag(open[i]));
            open.RemoveRange(kept, open.Count - kept);
            foreach (var style in wanted.Skip(kept))
            {
                html.Append(OpenTag(style));
                open.Add(style);
            }
            AppendEscaped(html, text.Text.AsSpan(run.Start, run.End - run.Start), inAttribute: false);
        }
        for (var i = open.Count - 1; i >= 0; i--) html.Append(CloseTag(open[i]));
        return html.ToString();
    }

    // Telegram's nesting rules: bold, italic and strikethrough may hold or sit in anything, a blockquote holds
    // anything but another blockquote (the flattener never nests them), and code and links may not hold each
    // other, so code in a link label shows as plain link text.
    static List<Style> Renderable(IReadOnlyList<Style> styles)
    {
        var inLink = false;
        var renderable = new List<Style>();
        foreach (var style in styles)
        {
            if (style.Kind == StyleKind.Code && inLink) continue;
            inLink |= style.Kind is StyleKind.Link or StyleKind.Url;
            renderable.Add(style);
        }
        return renderable;
    }

    static string OpenTag(Style style) => style.Kind switch
    {
        StyleKind.Quote => "<blockquote>",
        StyleKind.CodeBlock when style.Value.Length > 0 => $"<pre><code class=\"language-{Attribute(style.Value)}\">",
        StyleKind.CodeBlock => "<pre>",
        StyleKind.Link or StyleKind.Url => $"<a href=\"{Attribute(style.Value)}\">",
        StyleKind.Bold => "<b>",
        StyleKind.Italic => "<i>",
        StyleKind.Strikethrough => "<s>",
        StyleKind.Code => "<code>",
        _ => throw new ArgumentOutOfRangeException(nameof(style)),
    };

    static string CloseTag(Style style) => style.Kind switch
    {
        StyleKind.Quote => "</blockquote>",
        StyleKind.CodeBlock when style.Value.Length > 0 => "</code></pre>",
        StyleKind.CodeBlock => "</pre>",
        StyleKind.Link or StyleKind.Url => "</a>",
        StyleKind.Bold => "</b>",
        StyleKind.Italic => "</i>",
        StyleKind.Strikethrough => "</s>",
        StyleKind.Code => "</code>",
        _ => throw new ArgumentOutOfRangeException(nameof(style)),
    };

    static string Attribute(string value)
    {
        var escaped = new StringBuilder();
        AppendEscaped(escaped, value, inAttribute: true);
        return escaped.ToString();
    }

    static void AppendEscaped(StringBuilder html, ReadOnlySpan<char> text, bool inAttribute)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '<': html.Append("&lt;"); break;
                case '>': html.Append("&gt;"); break;
                case '&': html.Append("&amp;"); break;
                case '"' when inAttribute: html.Append("&quot;"); break;
                default: html.Append(c); break;
            }
        }
    }
}
