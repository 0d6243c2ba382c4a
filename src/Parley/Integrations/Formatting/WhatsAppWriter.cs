using System.Text;

namespace Parley.Integrations.Formatting;

// WhatsApp's own markup: *bold*, _italic_, ~strikethrough~, `code`, ```blocks```, "> " quotes; links as
// "label (address)". WhatsApp only reads a marker that touches a word on its inner side and sits on one line, so
// markers are opened just before a visible character, closed right after one, and closed at every line end.
internal sealed class WhatsAppWriter(string source)
{
    // WhatsApp has no escape character: a literal *, _, ~ or ` at the edge of a word formats the text up to
    // the next one ("*args and **kwargs", "~5 to ~10"), and a line starting with ">" becomes a quote. WhatsApp
    // never formats inside a word ("snake_case", "x*y"), so those stay as written; anywhere else the character
    // is swapped for a look-alike WhatsApp does not read as markup. Each is one UTF-16 unit, so lengths hold.
    static readonly Dictionary<char, char> LookAlikes = new()
    {
        ['*'] = '\u2217', // ∗ asterisk operator
        ['_'] = '\uFF3F', // ＿ fullwidth low line
        ['~'] = '\u223C', // ∼ tilde operator
        ['`'] = '\u02CB', // ˋ modifier letter grave accent
        ['>'] = '\uFF1E', // ＞ fullwidth greater-than sign
    };

    readonly StringBuilder output = new();
    readonly StringBuilder pendingSpace = new();
    readonly List<StyleKind> openMarkers = [];
    bool atLineStart = true;
    bool inCodeBlock;
    (Style Link, List<StyleKind> OuterMarkers, bool Quoted)? unfinishedLink;

    public static string Write(StyledText text, int start, int end)
    {
        var writer = new WhatsAppWriter(text.Text);
        foreach (var run in text.RunsBetween(start, end)) writer.WriteRun(run);
        writer.Finish();
        return writer.output.ToString();
    }

    void WriteRun(StyledRun run)
    {
        var link = run.Styles.Where(style => style.Kind == StyleKind.Link).Cast<Style?>().FirstOrDefault();
        if (unfinishedLink is { } open && open.Link != link) WriteLinkAddress();
        if (run.Has(StyleKind.CodeBlock))
        {
            WriteCodeBlock(run);
            return;
        }
        if (inCodeBlock) CloseCodeBlock();

        var markers = Markers(run.Styles);
        var quoted = run.Has(StyleKind.Quote);
        if (link is { } opened && unfinishedLink is null)
            unfinishedLink = (opened, Markers(run.Styles.TakeWhile(style => style != opened)), quoted);
        var shownAs = run.Has(StyleKind.Url) ? TextKind.Address : run.Has(StyleKind.Code) ? TextKind.Code : TextKind.Prose;
        for (var i = run.Start; i < run.End; i++)
            WriteChar(Shown(run, i, shownAs), markers, quoted);
    }

    enum TextKind { Prose, Code, Address }

    char Shown(StyledRun run, int index, TextKind kind)
    {
        var c = source[index];
        if (kind == TextKind.Address) return c;
        if (kind == TextKind.Code) return c == '`' ? LookAlikes[c] : c;
        if (c == '>') return atLineStart ? LookAlikes[c] : c;
        var insideWord = index > run.Start && char.IsLetterOrDigit(source[index - 1])
            && index + 1 < run.End && char.IsLetterOrDigit(source[index + 1]);
        return !insideWord && LookAlikes.TryGetValue(c, out var lookAlike) ? lookAlike : c;
    }

    void WriteChar(char c, List<StyleKind> markers, bool quoted)
    {
        if (c == '\n')
        {
            CloseMarkers(0);
            pendingSpace.Clear();
            output.Append('\n');
            atLineStart = true;
            return;
        }
        if (c is ' ' or '\t')
        {
            pendingSpace.Append(c);
            return;
        }
        if (atLineStart && quoted) output.Append("> ");
        atLineStart = false;
        var kept = 0;
        while (kept < openMarkers.Count && kept < markers.Count && openMarkers[kept] == markers[kept]) kept++;
        CloseMarkers(kept);
        output.Append(pendingSpace);
        pendingSpace.Clear();
        foreach (var marker in markers.Skip(kept))
        {
            output.Append(Marker(marker));
            openMarkers.Add(marker);
        }
        output.Append(c);
    }

    void CloseMarkers(int keep)
    {
        for (var i = openMarkers.Count - 1; i >= keep; i--) output.Append(Marker(openMarkers[i]));
        openMarkers.RemoveRange(keep, openMarkers.Count - keep);
    }

    void WriteLinkAddress()
    {
        var (link, markers, quoted) = unfinishedLink!.Value;
        unfinishedLink = null;
        foreach (var c in $" ({link.Value})") WriteChar(c, markers, quoted);
    }

    // Fences stand on their own lines; the language is left out because WhatsApp would show it as code text.
    // A run of three backticks inside the code would end the block early, so its third backtick is swapped.
    void WriteCodeBlock(StyledRun run)
    {
        if (!inCodeBlock)
        {
            CloseMarkers(0);
            pendingSpace.Clear();
            output.Append("```\n");
            inCodeBlock = true;
        }
        output.Append(source[run.Start..run.End].Replace("```", "``" + LookAlikes['`']));
    }

    void CloseCodeBlock()
    {
        output.Append("\n```");
        inCodeBlock = false;
        atLineStart = false;
    }

    void Finish()
    {
        if (unfinishedLink is not null) WriteLinkAddress();
        if (inCodeBlock) CloseCodeBlock();
        CloseMarkers(0);
    }

    static List<StyleKind> Markers(IEnumerable<Style> styles) =>
        [.. styles.Select(style => style.Kind).Where(kind => kind is StyleKind.Bold or StyleKind.Italic or StyleKind.Strikethrough or StyleKind.Code)];

    static char Marker(StyleKind kind) => kind switch
    {
        StyleKind.Bold => '*',
        StyleKind.Italic => '_',
        StyleKind.Strikethrough => '~',
        _ => '`',
    };
}
