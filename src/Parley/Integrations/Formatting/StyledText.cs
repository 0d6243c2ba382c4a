namespace Parley.Integrations.Formatting;

// The channel-neutral form of a reply: the text a reader sees, with the styles that apply to each stretch.
// Both channel writers render any slice of it, so the splitter can cut it anywhere and still get complete messages.
internal sealed class StyledText(string text, IReadOnlyList<StyledRun> runs)
{
    public string Text => text;

    public int Length => text.Length;

    public IEnumerable<StyledRun> RunsBetween(int start, int end)
    {
        for (var i = FirstRunEndingAfter(start); i < runs.Count && runs[i].Start < end; i++)
            yield return runs[i] with { Start = Math.Max(runs[i].Start, start), End = Math.Min(runs[i].End, end) };
    }

    // The splitter renders many slices of a long reply; finding the first run by bisection keeps each one cheap.
    int FirstRunEndingAfter(int index)
    {
        int low = 0, high = runs.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (runs[middle].End <= index) low = middle + 1;
            else high = middle;
        }
        return low;
    }
}

internal readonly record struct StyledRun(int Start, int End, IReadOnlyList<Style> Styles)
{
    public bool Has(StyleKind kind) => Styles.Any(style => style.Kind == kind);
}

// Value holds a link's address or a code block's language.
internal readonly record struct Style(StyleKind Kind, string Value = "");

internal enum StyleKind
{
    Quote,
    CodeBlock,
    // A link whose label differs from its address.
    Link,
    // A link that shows its own address (autolinks, [https://x](https://x)).
    Url,
    Bold,
    Italic,
    Strikethrough,
    Code,
}
