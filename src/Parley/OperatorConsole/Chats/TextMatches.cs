using System.Globalization;

namespace Parley.OperatorConsole.Chats;

/// <summary>Where a search term occurs in a text: ignoring case and accents, so "cafe" finds "Café".</summary>
public static class TextMatches
{
    static readonly CompareInfo Compare = CultureInfo.InvariantCulture.CompareInfo;
    const CompareOptions Options = CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace;

    /// <summary>The text in pieces, in order, each a match of <paramref name="term"/> or not.</summary>
    public static IEnumerable<(string Text, bool Match)> Split(string text, string? term)
    {
        term = term?.Trim();
        var at = 0;
        while (!string.IsNullOrEmpty(term) && at < text.Length)
        {
            var found = Compare.IndexOf(text.AsSpan(at), term, Options, out var length);
            if (found < 0 || length == 0) break;
            if (found > 0) yield return (text.Substring(at, found), false);
            yield return (text.Substring(at + found, length), true);
            at += found + length;
        }
        if (at < text.Length) yield return (text[at..], false);
    }

    public static int Count(string text, string? term) => Split(text, term).Count(piece => piece.Match);
}
