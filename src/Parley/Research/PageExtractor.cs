using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using SmartReader;

namespace Parley.Research;

/// <summary>Turns a fetched page into the text a model should read: the article, without menus, footers and scripts.</summary>
public static partial class PageExtractor
{
    // Parts of a page that are never its content; dropped when the article cannot be found and the whole body is read.
    const string Chrome = "script, style, noscript, template, svg, nav, header, footer, aside, form, iframe";

    public static (string Title, string Text) FromHtml(Uri url, string html)
    {
        // SmartReader (Mozilla Readability) finds the article; it is given the text, so it never downloads anything.
        using var reader = new Reader(url.AbsoluteUri, html);
        var article = reader.GetArticle();
        if (article is { IsReadable: true, TextContent.Length: > 0 })
            return (article.Title ?? "", Tidy(article.TextContent));

        using var document = new HtmlParser().ParseDocument(html);
        foreach (var element in document.QuerySelectorAll(Chrome).ToList()) element.Remove();
        return (document.Title ?? "", Tidy(document.Body?.TextContent ?? ""));
    }

    public static string Cap(string text, int characters) =>
        text.Length <= characters ? text : text[..characters].TrimEnd() + "\n[…the page goes on; the rest was left out.]";

    /// <summary>One blank line between paragraphs at most, no runs of spaces.</summary>
    public static string Tidy(string text) =>
        BlankLines().Replace(Spaces().Replace(text.Replace("\r", "", StringComparison.Ordinal), " "), "\n\n").Trim();

    [GeneratedRegex(@"[ \t\u00a0]+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"\s*\n\s*\n\s*")]
    private static partial Regex BlankLines();
}
