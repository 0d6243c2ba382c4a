using Markdig.Syntax.Inlines;

namespace Parley.Integrations.Formatting;

// The words of inline Markdown without its styles, for places that hold only plain text: table cells, and
// telling whether a link's label is just its own address.
internal static class InlineText
{
    static readonly string[] ImpliedPrefixes = ["", "http://", "https://", "mailto:"];

    public static string Of(ContainerInline? inlines) =>
        inlines is null ? "" : string.Concat(inlines.Select(Of));

    public static bool IsAddressOf(string label, string url) =>
        ImpliedPrefixes.Any(prefix => url == prefix + label);

    static string Of(Inline inline) => inline switch
    {
        LiteralInline literal => literal.Content.ToString(),
        CodeInline code => code.Content,
        AutolinkInline autolink => autolink.Url,
        LinkInline link => LinkText(Of(link), link.Url ?? ""),
        LineBreakInline => " ",
        HtmlEntityInline entity => entity.Transcoded.ToString(),
        ContainerInline container => Of(container),
        _ => "",
    };

    static string LinkText(string label, string url) =>
        label.Length == 0 || IsAddressOf(label, url) ? url : $"{label} ({url})";
}
