using System.Globalization;

namespace Parley.Integrations.Formatting;

// Cuts a reply into messages that each fit the channel's limit once rendered. A message ends at the best kind of
// boundary that still fits: between blocks, then between lines, then after a sentence, then between the lines of
// a code block (so a block that fits in a message of its own is never cut), then between words, and only when a
// single word is longer than the limit, between two characters.
internal static class MessageSplitter
{
    enum BoundaryKind { Character, Word, CodeLine, Sentence, Line, Block }

    // Text up to End goes in one message; the next message starts at Resume, after the spaces between them.
    readonly record struct Boundary(int End, int Resume, BoundaryKind Kind);

    const string SentenceEnds = ".!?…";
    const string ClosingMarks = "\"'”’»)]";

    public static IReadOnlyList<string> Split(StyledText text, int maxLength, Func<StyledText, int, int, string> render)
    {
        var boundaries = FindBoundaries(text);
        var messages = new List<string>();
        var start = 0;
        while (start < text.Length)
        {
            // Markup only adds to the length, so the rest is worth rendering whole only once its text would fit.
            if (text.Length - start <= maxLength && render(text, start, text.Length) is { } rest && rest.Length <= maxLength)
            {
                messages.Add(rest);
                break;
            }
            bool Fits(int end) => render(text, start, end).Length <= maxLength;
            var cut = BestBoundary(boundaries, start, maxLength, Fits) ?? CharacterBoundary(text.Text, start, maxLength, Fits);
            messages.Add(render(text, start, cut.End));
            start = cut.Resume;
        }
        return messages;
    }

    static List<Boundary> FindBoundaries(StyledText styled)
    {
        var inCodeBlock = new bool[styled.Length];
        foreach (var run in styled.RunsBetween(0, styled.Length))
            if (run.Has(StyleKind.CodeBlock)) Array.Fill(inCodeBlock, true, run.Start, run.End - run.Start);

        var text = styled.Text;
        var boundaries = new List<Boundary>();
        for (var i = 0; i < text.Length;)
        {
            // Spaces at the start of a line are indentation, not a gap between words.
            if (text[i] is not (' ' or '\t' or '\n') || (i > 0 && text[i - 1] == '\n'))
            {
                i++;
                continue;
            }
            var newline = text[i] == '\n';
            var resume = i;
            while (resume < text.Length && (newline ? text[resume] == '\n' : text[resume] is ' ' or '\t')) resume++;
            var kind = (newline, inCodeBlock[i]) switch
            {
                (true, false) => resume - i > 1 ? BoundaryKind.Block : BoundaryKind.Line,
                (true, true) => BoundaryKind.CodeLine,
                (false, false) when EndsSentence(text, i) => BoundaryKind.Sentence,
                _ => BoundaryKind.Word,
            };
            boundaries.Add(new Boundary(i, resume, kind));
            i = resume;
        }
        return boundaries;
    }

    static bool EndsSentence(string text, int end)
    {
        var i = end - 1;
        while (i >= 0 && ClosingMarks.Contains(text[i])) i--;
        return i >= 0 && SentenceEnds.Contains(text[i]);
    }

    // Rendered length only grows as a message takes in more text, so the last boundary that fits is found by
    // bisection. Boundaries further than maxLength characters away cannot fit: markup only adds to the length.
    static Boundary? BestBoundary(List<Boundary> boundaries, int start, int maxLength, Func<int, bool> fits)
    {
        foreach (var kind in Enum.GetValues<BoundaryKind>().Reverse())
        {
            var candidates = boundaries.Where(b => b.Kind == kind && b.End > start && b.End - start <= maxLength).ToList();
            var last = LastFitting(candidates.Count, i => fits(candidates[i].End));
            if (last >= 0) return candidates[last];
        }
        return null;
    }

    // The last resort for a word longer than a message: cut between characters as the user sees them, never
    // between the two halves of an emoji or a letter and its accent. A message always takes at least one.
    static Boundary CharacterBoundary(string text, int start, int maxLength, Func<int, bool> fits)
    {
        var ends = new List<int>();
        for (var end = start; end < text.Length && end - start < maxLength;)
        {
            end += StringInfo.GetNextTextElementLength(text, end);
            ends.Add(end);
        }
        var cut = ends[Math.Max(0, LastFitting(ends.Count, i => fits(ends[i])))];
        return new Boundary(cut, cut, BoundaryKind.Character);
    }

    static int LastFitting(int count, Func<int, bool> fits)
    {
        int low = 0, high = count - 1, last = -1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (fits(middle)) (last, low) = (middle, middle + 1);
            else high = middle - 1;
        }
        return last;
    }
}
