using Parley.OperatorConsole.Chats;

namespace Parley.Tests.OperatorConsole;

/// <summary>Model output as the console renders it: nothing in it can run, restyle the page or fetch an address.</summary>
public sealed class SafeMarkdownTests
{
    [Theory]
    [InlineData("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;")]
    [InlineData("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;")]
    [InlineData("<style>body{display:none}</style>", "&lt;style&gt;body{display:none}&lt;/style&gt;")]
    public void Raw_html_is_shown_as_the_text_it_is(string markdown, string escaped)
    {
        var html = SafeMarkdown.Render(markdown, null).Html;

        Assert.Contains(escaped, html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("[click](JaVaScRiPt:alert(1))")]
    [InlineData("[click](&#106;avascript:alert(1))")]
    [InlineData("[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    [InlineData("[click](vbscript:msgbox)")]
    [InlineData("[click](/console/operators)")]
    [InlineData("<javascript:alert(1)>")]
    [InlineData("![click](javascript:alert(1))")]
    [InlineData("[click][r]\n\n[r]: javascript:alert(1)")]
    public void Links_to_anything_but_http_https_and_mailto_keep_their_words_and_lose_their_address(string markdown)
    {
        var html = SafeMarkdown.Render(markdown, null).Html;

        Assert.DoesNotContain("<a", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href", html, StringComparison.Ordinal);
        Assert.Contains("click", html.Replace("javascript:alert(1)", "click", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[docs](https://example.com/a?b=1&c=2)", "https://example.com/a?b=1&amp;c=2", "docs")]
    [InlineData("see https://example.com/x", "https://example.com/x", "https://example.com/x")]
    [InlineData("<mailto:help@example.com>", "mailto:help@example.com", "mailto:help@example.com")]
    [InlineData("![a chart](https://example.com/chart.png)", "https://example.com/chart.png", "a chart")]
    public void Safe_links_open_in_a_new_tab_without_opener_or_referrer_and_images_are_links(string markdown, string href, string text)
    {
        var html = SafeMarkdown.Render(markdown, null).Html;

        Assert.Contains($"<a href=\"{href}\" target=\"_blank\" rel=\"noopener noreferrer\">{text}</a>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Matches_are_marked_in_text_in_code_and_across_the_pieces_the_parser_cuts_text_into()
    {
        var rendered = SafeMarkdown.Render("A <b>Parcel</b> and **parcels**, `parcel_id` and\n\n```\nparcel = 1 < 2\n```", "parcel");

        Assert.Equal(4, rendered.Matches);
        Assert.Contains("&lt;b&gt;<mark>Parcel</mark>&lt;/b&gt;", rendered.Html, StringComparison.Ordinal);
        Assert.Contains("<strong><mark>parcel</mark>s</strong>", rendered.Html, StringComparison.Ordinal);
        Assert.Contains("<code><mark>parcel</mark>_id</code>", rendered.Html, StringComparison.Ordinal);
        Assert.Contains("<pre><code><mark>parcel</mark> = 1 &lt; 2\n</code></pre>", rendered.Html, StringComparison.Ordinal);
        Assert.Equal(1, SafeMarkdown.Render("<script>x</script>", "<script>").Matches);
        Assert.Equal(2, SafeMarkdown.Render("[a](javascript:x) <script> [b](javascript:x) <script>", "<script>").Matches);
    }

    [Fact]
    public void A_term_that_looks_like_markup_is_searched_as_text_and_never_becomes_markup()
    {
        var rendered = SafeMarkdown.Render("say <mark> & \"quotes\"", "<mark> & \"");

        Assert.Contains("say <mark>&lt;mark&gt; &amp; &quot;</mark>quotes", rendered.Html, StringComparison.Ordinal);
    }
}
