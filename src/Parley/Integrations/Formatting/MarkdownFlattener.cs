using Markdig;
using Markdig.Extensions.EmphasisExtras;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Parley.Integrations.Formatting;

// Walks Markdig's syntax tree of a model's reply and writes what a chat can show: styles for what both channels
// can render, plain text laid out by hand for the rest (bullets, numbers, indentation, tables, rules).
internal sealed class MarkdownFlattener(string bullet, int maxAddressLength)
{
    static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseEmphasisExtras(EmphasisExtraOptions.Strikethrough)
        .UseAutoLinks()
        // Raw HTML in a reply is shown as the text the model wrote, never handed to the channel as markup.
        .DisableHtml()
        .Build();

    static readonly string[] LinkSchemes = ["http", "https", "mailto", "tg"];

    readonly StyledTextBuilder output = new();

    public static StyledText Flatten(string markdown, string bullet, int maxLength)
    {
        var document = Markdown.Parse(markdown.ReplaceLineEndings("\n"), Pipeline);
        var flattener = new MarkdownFlattener(bullet, maxAddressLength: maxLength / 2);
        flattener.WriteBlocks(document, blankLineBetween: true);
        return flattener.output.Build();
    }

    void WriteBlocks(ContainerBlock container, bool blankLineBetween)
    {
        for (var i = 0; i < container.Count; i++)
        {
            if (i > 0) output.BreakBlock(blankLineBetween);
            WriteBlock(container[i]);
        }
    }

    void WriteBlock(Block block)
    {
        switch (block)
        {
            case HeadingBlock heading:
                WriteStyled(new Style(StyleKind.Bold), () => WriteInlines(heading.Inline));
                break;
            case ParagraphBlock paragraph:
                WriteInlines(paragraph.Inline);
                break;
            case QuoteBlock quote:
                WriteStyled(new Style(StyleKind.Quote), () => WriteBlocks(quote, blankLineBetween: true));
                break;
            case ListBlock list:
                WriteList(list);
                break;
            case CodeBlock code:
                WriteCodeBlock(code);
                break;
            case Table table:
                WriteStyled(new Style(StyleKind.CodeBlock), () => output.Write(TableLayout.Render(table)));
                break;
            case ThematicBreakBlock:
                output.Write("———");
                break;
            case LinkReferenceDefinitionGroup:
                // Definitions only supply the addresses of reference links; they show nothing themselves.
                break;
        }
    }

    // Chat lists stay tight: one line per item, blocks inside an item on the following lines, indented under it.
    void WriteList(ListBlock list)
    {
        var number = int.TryParse(list.OrderedStart, out var start) ? start : 1;
        foreach (var item in list.OfType<ListItemBlock>())
        {
            output.BreakBlock(blankLine: false);
            var marker = list.IsOrdered ? $"{number++}. " : bullet;
            output.Write(marker);
            output.PushIndent(marker.Length);
            WriteBlocks(item, blankLineBetween: false);
            output.PopIndent();
        }
    }

    void WriteCodeBlock(CodeBlock code)
    {
        var lines = code.Lines.Lines.Take(code.Lines.Count).Select(line => line.Slice.ToString())
            .SkipWhile(string.IsNullOrWhiteSpace).Reverse().SkipWhile(string.IsNullOrWhiteSpace).Reverse();
        var language = code is FencedCodeBlock { Info: { } info } ? info : "";
        WriteStyled(new Style(StyleKind.CodeBlock, language), () => output.Write(string.Join('\n', lines)));
    }

    void WriteInlines(ContainerInline? inlines)
    {
        if (inlines is null) return;
        foreach (var inline in inlines) WriteInline(inline);
    }

    void WriteInline(Inline inline)
    {
        switch (inline)
        {
            case LiteralInline literal:
                output.Write(literal.Content.ToString());
                break;
            case EmphasisInline emphasis:
                WriteStyled(EmphasisStyle(emphasis), () => WriteInlines(emphasis));
                break;
            case CodeInline code:
                WriteStyled(new Style(StyleKind.Code), () => output.Write(code.Content));
                break;
            case LinkInline link:
                WriteLink(link.Url ?? "", InlineText.Of(link), () => WriteInlines(link));
                break;
            case AutolinkInline autolink:
                WriteLink(autolink.IsEmail ? "mailto:" + autolink.Url : autolink.Url, autolink.Url, () => output.Write(autolink.Url));
                break;
            case LineBreakInline:
                output.Write("\n");
                break;
            case HtmlEntityInline entity:
                output.Write(entity.Transcoded.ToString());
                break;
            case ContainerInline container:
                WriteInlines(container);
                break;
        }
    }

    static Style EmphasisStyle(EmphasisInline emphasis) => emphasis switch
    {
        { DelimiterChar: '~' } => new Style(StyleKind.Strikethrough),
        { DelimiterCount: >= 2 } => new Style(StyleKind.Bold),
        _ => new Style(StyleKind.Italic),
    };

    // Images arrive here too: a link to the image, labelled with its alt text.
    void WriteLink(string url, string label, Action writeLabel)
    {
        if (!CanOpen(url))
        {
            if (label.Length > 0) writeLabel();
            else output.Write(url);
        }
        else if (label.Length == 0 || InlineText.IsAddressOf(label, url))
            WriteStyled(new Style(StyleKind.Url, url), () => output.Write(label.Length > 0 ? label : url));
        else
            WriteStyled(new Style(StyleKind.Link, url), writeLabel);
    }

    // Relative paths and schemes other than web, mail and Telegram links cannot be opened from a chat. An address
    // is repeated in every message its label spans, so one longer than half a message could leave no room for it.
    // Either way the reader gets the label alone.
    bool CanOpen(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var address) && LinkSchemes.Contains(address.Scheme) && url.Length <= maxAddressLength;

    void WriteStyled(Style style, Action write)
    {
        output.Push(style);
        write();
        output.Pop();
    }
}
