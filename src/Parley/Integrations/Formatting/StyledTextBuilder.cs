using System.Text;

namespace Parley.Integrations.Formatting;

// Collects text with the styles open at the time of writing. It owns the whitespace rules every channel shares:
// no leading or trailing blank lines, no trailing spaces, at most one blank line between blocks, and list
// indentation at the start of each line.
internal sealed class StyledTextBuilder
{
    readonly StringBuilder text = new();
    readonly List<StyledRun> runs = [];
    readonly List<Style> openStyles = [];
    readonly List<string> indents = [];
    int pendingNewlines;
    IReadOnlyList<Style> pendingNewlineStyles = [];

    public void Push(Style style) => openStyles.Add(style);

    public void Pop() => openStyles.RemoveAt(openStyles.Count - 1);

    public void PushIndent(int width) => indents.Add(new string(' ', width));

    public void PopIndent() => indents.RemoveAt(indents.Count - 1);

    // The separator is written only when more text follows, so empty blocks and the end of the reply leave
    // nothing behind. Requests that pile up merge into the widest one, outside any style opened in between.
    public void BreakBlock(bool blankLine)
    {
        if (text.Length == 0) return;
        var styles = CurrentStyles();
        pendingNewlineStyles = pendingNewlines == 0 ? styles : SharedOuterStyles(pendingNewlineStyles, styles);
        pendingNewlines = Math.Max(pendingNewlines, blankLine ? 2 : 1);
    }

    public void Write(string value)
    {
        var lines = value.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0) NewLine();
            if (lines[i].Length == 0) continue;
            WritePendingNewlines();
            // Code blocks keep their own indentation; list indentation would only shift them inside the box.
            if (AtLineStart && !InCodeBlock) Append(string.Concat(indents), CurrentStyles());
            Append(lines[i], CurrentStyles());
        }
    }

    public StyledText Build()
    {
        TrimTrailingSpaces();
        return new StyledText(text.ToString(), runs);
    }

    bool AtLineStart => text.Length == 0 || text[^1] == '\n';

    bool InCodeBlock => openStyles.Any(style => style.Kind == StyleKind.CodeBlock);

    // Blank lines inside code are the code's own; elsewhere one is enough.
    void NewLine()
    {
        TrimTrailingSpaces();
        if (text.Length == 0 || (!InCodeBlock && TrailingNewlines() == 2)) return;
        Append("\n", CurrentStyles());
    }

    void WritePendingNewlines()
    {
        var missing = pendingNewlines - TrailingNewlines();
        if (missing > 0)
        {
            TrimTrailingSpaces();
            Append(new string('\n', missing), pendingNewlineStyles);
        }
        pendingNewlines = 0;
    }

    int TrailingNewlines()
    {
        var count = 0;
        while (count < 2 && count < text.Length && text[text.Length - 1 - count] == '\n') count++;
        return count;
    }

    static List<Style> SharedOuterStyles(IReadOnlyList<Style> first, IReadOnlyList<Style> second) =>
        [.. first.Zip(second).TakeWhile(pair => pair.First == pair.Second).Select(pair => pair.First)];

    // Nested styles of the same kind (a bold phrase in a heading, a quote in a quote) say nothing new.
    IReadOnlyList<Style> CurrentStyles() => [.. openStyles.Distinct()];

    void Append(string value, IReadOnlyList<Style> styles)
    {
        if (value.Length == 0) return;
        var start = text.Length;
        text.Append(value);
        if (runs.Count > 0 && runs[^1].Styles.SequenceEqual(styles))
            runs[^1] = runs[^1] with { End = text.Length };
        else
            runs.Add(new StyledRun(start, text.Length, styles));
    }

    void TrimTrailingSpaces()
    {
        while (text.Length > 0 && text[^1] is ' ' or '\t')
        {
            text.Length--;
            runs[^1] = runs[^1] with { End = text.Length };
            if (runs[^1].End == runs[^1].Start) runs.RemoveAt(runs.Count - 1);
        }
    }
}
