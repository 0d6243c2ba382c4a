using Markdig;
using Markdig.Extensions.EmphasisExtras;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Parley.OperatorConsole.Chats;

/// <summary>A reply rendered as HTML, and how many search matches it marks.</summary>
public sealed record RenderedMarkdown(string Html, int Matches);

/// <summary>
/// Model output as HTML that cannot run or restyle anything in the console: raw HTML is shown as the text it is,
/// links go only to http, https and mailto (in a new tab, without the console as opener or referrer), and images
/// become links, so a reply cannot make the operator's browser fetch an address on its own. Matches of a search
/// term are wrapped in &lt;mark&gt; in the text, never inside markup.
/// </summary>
public static class SafeMarkdown
{
    static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseEmphasisExtras(EmphasisExtraOptions.Strikethrough)
        .UseAutoLinks()
        .UseSoftlineBreakAsHardlineBreak()
        .DisableHtml()
        .Build();

    static readonly string[] LinkSchemes = ["http", "https", "mailto"];

    public static RenderedMarkdown Render(string markdown, string? term)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var link in Inlines(document).OfType<LinkInline>()) Secure(link);
        foreach (var link in Inlines(document).OfType<AutolinkInline>()) Secure(link);
        term = term?.Trim();
        if (!string.IsNullOrEmpty(term))
        {
            MarkText(document, term);
            foreach (var code in Inlines(document).OfType<CodeInline>()) MarkCode(code, term);
        }

        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.ObjectRenderers.Replace<CodeBlockRenderer>(new MarkedCodeBlockRenderer(term));
        renderer.Render(document);
        var html = writer.ToString();
        return new RenderedMarkdown(html, string.IsNullOrEmpty(term) ? 0 : CountMarks(html));
    }

    /// <summary>The words of a reply without its markup, for a one-line preview (shown as text, never as HTML).</summary>
    public static string PlainText(string markdown) => Markdown.ToPlainText(markdown, Pipeline);

    static bool Allowed(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && LinkSchemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase);

    static void Secure(LinkInline link)
    {
        if (!Allowed(link.Url))
        {
            // The words stay, the address goes.
            foreach (var child in link.ToList())
            {
                child.Remove();
                link.InsertBefore(child);
            }
            link.Remove();
            return;
        }
        link.IsImage = false;
        if (link.FirstChild is null) link.AppendChild(new LiteralInline(link.Url!));
        NewTab(link);
    }

    static void Secure(AutolinkInline link)
    {
        if (Allowed(link.IsEmail ? "mailto:" + link.Url : link.Url)) NewTab(link);
        else link.ReplaceBy(new LiteralInline(link.Url));
    }

    static void NewTab(Inline link)
    {
        var attributes = link.GetAttributes();
        attributes.AddPropertyIfNotExist("target", "_blank");
        attributes.AddPropertyIfNotExist("rel", "noopener noreferrer");
    }

    /// <summary>
    /// Marks the term in the text. The parser cuts text into several literals (at each character that might start
    /// markup, such as "&lt;"), so each run of neighbouring literals is searched as one text.
    /// </summary>
    static void MarkText(MarkdownDocument document, string term)
    {
        var done = new HashSet<LiteralInline>();
        foreach (var first in Inlines(document).OfType<LiteralInline>())
        {
            if (done.Contains(first)) continue;
            var run = new List<Inline>();
            for (var next = (Inline?)first; next is LiteralInline literal; next = next.NextSibling)
            {
                run.Add(literal);
                done.Add(literal);
            }
            Mark(run, string.Concat(run.Select(literal => ((LiteralInline)literal).Content.ToString())), term);
        }
    }

    static void MarkCode(CodeInline code, string term)
    {
        if (TextMatches.Count(code.Content, term) == 0) return;
        code.InsertBefore(new HtmlInline("<code>"));
        code.InsertAfter(new HtmlInline("</code>"));
        Mark([code], code.Content, term);
    }

    /// <summary>Replaces inlines with the same text, its matches wrapped in marks (the text is escaped as usual).</summary>
    static void Mark(List<Inline> originals, string text, string term)
    {
        var pieces = TextMatches.Split(text, term).ToList();
        if (!pieces.Any(p => p.Match)) return;
        var before = originals[0];
        foreach (var (piece, match) in pieces)
        {
            if (match) before.InsertBefore(new HtmlInline("<mark>"));
            before.InsertBefore(new LiteralInline(piece));
            if (match) before.InsertBefore(new HtmlInline("</mark>"));
        }
        foreach (var original in originals) original.Remove();
    }

    /// <summary>
    /// Every inline, in document order, read afresh from the tree: Markdig's own Descendants misses inlines that were
    /// moved, as unwrapping a link moves its words.
    /// </summary>
    static List<Inline> Inlines(MarkdownDocument document)
    {
        var all = new List<Inline>();
        foreach (var leaf in document.Descendants<LeafBlock>())
        {
            if (leaf.Inline is { } root) Collect(root);
        }
        return all;

        void Collect(ContainerInline container)
        {
            for (var child = container.FirstChild; child is not null; child = child.NextSibling)
            {
                all.Add(child);
                if (child is ContainerInline inner) Collect(inner);
            }
        }
    }

    static int CountMarks(string html)
    {
        var count = 0;
        for (var at = html.IndexOf("<mark>", StringComparison.Ordinal); at >= 0; at = html.IndexOf("<mark>", at + 1, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>Code blocks as Markdig writes them, with the search term's matches marked.</summary>
    sealed class MarkedCodeBlockRenderer(string? term) : HtmlObjectRenderer<CodeBlock>
    {
        protected override void Write(HtmlRenderer renderer, CodeBlock obj)
        {
            renderer.EnsureLine();
            renderer.Write("<pre><code");
            if (obj is FencedCodeBlock { Info: { Length: > 0 } info })
                renderer.Write(" class=\"language-").WriteEscape(info.Split(' ', 2)[0]).Write('"');
            renderer.Write('>');
            foreach (var (piece, match) in TextMatches.Split(obj.Lines.ToString() + "\n", term))
            {
                if (match) renderer.Write("<mark>");
                renderer.WriteEscape(piece);
                if (match) renderer.Write("</mark>");
            }
            renderer.WriteLine("</code></pre>");
        }
    }
}
