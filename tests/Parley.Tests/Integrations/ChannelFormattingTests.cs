using System.Xml.Linq;
using Parley.Integrations;

namespace Parley.Tests.Integrations;

public sealed class ChannelFormattingTests
{
    [Fact]
    public void Inline_styles_become_telegram_tags_and_whatsapp_markers()
    {
        const string markdown = "**bold** *italic* ~~gone~~ `x < y`";

        Assert.Equal(["<b>bold</b> <i>italic</i> <s>gone</s> <code>x &lt; y</code>"], ChannelFormatting.ToTelegramHtml(markdown));
        Assert.Equal(["*bold* _italic_ ~gone~ `x < y`"], ChannelFormatting.ToWhatsApp(markdown));
    }

    [Fact]
    public void Links_are_anchors_on_telegram_and_label_with_address_on_whatsapp()
    {
        const string markdown = "See [the docs](https://example.com/a?b=1&c=2), <https://parley.dev> or www.example.org.";

        Assert.Equal(
            ["See <a href=\"https://example.com/a?b=1&amp;c=2\">the docs</a>, <a href=\"https://parley.dev\">https://parley.dev</a> or <a href=\"http://www.example.org\">www.example.org</a>."],
            ChannelFormatting.ToTelegramHtml(markdown));
        Assert.Equal(["See the docs (https://example.com/a?b=1&c=2), https://parley.dev or www.example.org."], ChannelFormatting.ToWhatsApp(markdown));
    }

    [Fact]
    public void Images_show_their_alt_text_as_a_link_to_the_image()
    {
        const string markdown = "![Sales chart](https://example.com/chart.png)";

        Assert.Equal(["<a href=\"https://example.com/chart.png\">Sales chart</a>"], ChannelFormatting.ToTelegramHtml(markdown));
        Assert.Equal(["Sales chart (https://example.com/chart.png)"], ChannelFormatting.ToWhatsApp(markdown));
    }

    [Fact]
    public void Links_a_chat_cannot_open_keep_only_their_label()
    {
        const string markdown = "[click me](javascript:alert(1)) and [the guide](docs/guide.md)";

        Assert.Equal(["click me and the guide"], ChannelFormatting.ToTelegramHtml(markdown));
        Assert.Equal(["click me and the guide"], ChannelFormatting.ToWhatsApp(markdown));
    }

    [Fact]
    public void Headings_become_bold_lines()
    {
        const string markdown = "# Title\nBody text.\n## Next step";

        Assert.Equal(["<b>Title</b>\n\nBody text.\n\n<b>Next step</b>"], ChannelFormatting.ToTelegramHtml(markdown));
        Assert.Equal(["*Title*\n\nBody text.\n\n*Next step*"], ChannelFormatting.ToWhatsApp(markdown));
    }

    [Fact]
    public void Lists_keep_their_numbers_and_indent_nested_items()
    {
        const string markdown = "- one\n- two\n  - nested **bold**\n  - nested two\n- three\n\n3. third\n4. fourth";

        Assert.Equal(["• one\n• two\n  • nested <b>bold</b>\n  • nested two\n• three\n\n3. third\n4. fourth"], ChannelFormatting.ToTelegramHtml(markdown));
        Assert.Equal(["- one\n- two\n  - nested *bold*\n  - nested two\n- three\n\n3. third\n4. fourth"], ChannelFormatting.ToWhatsApp(markdown));
    }

    [Fact]
    public void Quotes_are_blockquotes_on_telegram_and_quoted_lines_on_whatsapp()
    {
        const string markdown = "> quoted **text**\n> second line\n\nafter";

        Assert.Equal(["<blockquote>quoted <b>text</b>\nsecond line</blockquote>\n\nafter"], ChannelFormatting.ToTelegramHtml(markdown));
        Assert.Equal(["> quoted *text*\n> second line\n\nafter"], ChannelFormatting.ToWhatsApp(markdown));
    }

    [Fact]
    public void Code_blocks_keep_their_language_on_telegram_and_their_text_as_written()
    {
        const string markdown = "Run:\n\n```csharp\nif (a < b && ready)\n    Go();\n```";

        Assert.Equal(["Run:\n\n<pre><code class=\"language-csharp\">if (a &lt; b &amp;&amp; ready)\n    Go();</code></pre>"], ChannelFormatting.ToTelegramHtml(markdown));
        Assert.Equal(["Run:\n\n```\nif (a < b && ready)\n    Go();\n```"], ChannelFormatting.ToWhatsApp(markdown));
    }

    [Fact]
    public void Tables_become_monospace_blocks_with_aligned_columns()
    {
        const string markdown = "| Item | Qty | Price |\n|:--|:-:|--:|\n| Café | 2 | 3.50 |\n| Pão de queijo | 10 | 12.00 |";
        const string table = "Item          | Qty | Price\n--------------+-----+------\nCafé          |  2  |  3.50\nPão de queijo | 10  | 12.00";

        Assert.Equal([$"<pre>{table}</pre>"], ChannelFormatting.ToTelegramHtml(markdown));
        Assert.Equal([$"```\n{table}\n```"], ChannelFormatting.ToWhatsApp(markdown));
    }

    [Theory]
    [InlineData("a < b && c > d", "a &lt; b &amp;&amp; c &gt; d")]
    [InlineData("Fish &amp; chips", "Fish &amp; chips")]
    [InlineData("<b>not bold</b> <script>alert(1)</script>", "&lt;b&gt;not bold&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;")]
    [InlineData("<div class=\"note\">\nhello\n</div>", "&lt;div class=\"note\"&gt;\nhello\n&lt;/div&gt;")]
    [InlineData("[x](https://example.com/?q=\"<b>\")", "<a href=\"https://example.com/?q=&quot;&lt;b&gt;&quot;\">x</a>")]
    public void Telegram_escapes_markup_characters_and_shows_html_from_the_model_as_text(string markdown, string expected)
    {
        Assert.Equal([expected], ChannelFormatting.ToTelegramHtml(markdown));
    }

    [Theory]
    [InlineData(@"Use \*args and \*\*kwargs", "Use \u2217args and \u2217\u2217kwargs")]
    [InlineData("From ~100 km to ~200 km", "From \u223C100 km to \u223C200 km")]
    [InlineData(@"\_private\_ names", "\uFF3Fprivate\uFF3F names")]
    [InlineData("2 * 3 = 6", "2 \u2217 3 = 6")]
    [InlineData(@"a \` backtick", "a \u02CB backtick")]
    [InlineData(@"\> not a quote", "\uFF1E not a quote")]
    [InlineData("snake_case_name stays", "snake_case_name stays")]
    [InlineData("**bold with a * inside**", "*bold with a \u2217 inside*")]
    [InlineData("`code keeps * and _`", "`code keeps * and _`")]
    [InlineData("https://example.com/_draft_/page", "https://example.com/_draft_/page")]
    public void WhatsApp_never_turns_literal_characters_into_formatting(string markdown, string expected)
    {
        Assert.Equal([expected], ChannelFormatting.ToWhatsApp(markdown));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n\n \t\n")]
    public void Empty_input_gives_no_messages(string markdown)
    {
        Assert.Empty(ChannelFormatting.ToTelegramHtml(markdown));
        Assert.Empty(ChannelFormatting.ToWhatsApp(markdown));
    }

    [Fact]
    public void Line_endings_are_normalised_with_no_trailing_spaces_and_one_blank_line_at_most()
    {
        const string markdown = "Line one   \r\nline two\r\n\r\n\r\n\r\n- a  \r\n- b\r\n\r\n";

        Assert.Equal(["Line one\nline two\n\n• a\n• b"], ChannelFormatting.ToTelegramHtml(markdown));
        Assert.Equal(["Line one\nline two\n\n- a\n- b"], ChannelFormatting.ToWhatsApp(markdown));
    }

    public static TheoryData<string> Channels => ["telegram", "whatsapp"];

    [Theory]
    [MemberData(nameof(Channels))]
    public void Long_reply_splits_between_sentences_and_keeps_the_code_block_whole(string channel)
    {
        var intro = string.Join(' ', Enumerable.Range(1, 12).Select(i => $"Sentence {i} is about caching & queues."));
        var outro = string.Join(' ', Enumerable.Range(13, 12).Select(i => $"Sentence {i} is about retries & limits."));
        var markdown = $"{intro}\n\n```csharp\nvar total = items.Sum(i => i.Price);\nConsole.WriteLine(total);\n```\n\n{outro}";

        var parts = Format(channel, markdown, 300);

        Assert.True(parts.Count > 3);
        Assert.All(parts, part => Assert.InRange(part.Length, 1, 300));
        Assert.Equal(Words(Format(channel, markdown, 4096), channel), Words(parts, channel));
        var codeBlock = channel == "telegram"
            ? "<pre><code class=\"language-csharp\">var total = items.Sum(i =&gt; i.Price);\nConsole.WriteLine(total);</code></pre>"
            : "```\nvar total = items.Sum(i => i.Price);\nConsole.WriteLine(total);\n```";
        Assert.Single(parts, part => part.Contains(codeBlock, StringComparison.Ordinal));
        Assert.All(parts, part => Assert.True(part.EndsWith(codeBlock, StringComparison.Ordinal) || Visible(part, channel).EndsWith('.'), part));
    }

    [Fact]
    public void Code_block_longer_than_the_limit_is_split_at_lines_into_complete_blocks()
    {
        var lines = Enumerable.Range(1, 40).Select(i => $"print('line {i} < {i + 1}')").ToList();
        var markdown = $"```python\n{string.Join('\n', lines)}\n```";

        var telegram = ChannelFormatting.ToTelegramHtml(markdown, 200);
        var whatsApp = ChannelFormatting.ToWhatsApp(markdown, 200);

        Assert.All(telegram, part => Assert.Matches("^<pre><code class=\"language-python\">[^<]*</code></pre>$", part));
        Assert.All(whatsApp, part => Assert.Matches("^```\n[^`]*\n```$", part));
        Assert.Equal(lines, telegram.SelectMany(part => Visible(part, "telegram").Split('\n')));
        Assert.Equal(lines, whatsApp.SelectMany(part => part[4..^4].Split('\n')));
        Assert.All(telegram.Concat(whatsApp), part => Assert.True(part.Length <= 200));
    }

    [Fact]
    public void Styles_cut_by_a_split_are_closed_and_reopened_in_the_next_message()
    {
        var markdown = "> **" + string.Join(' ', Enumerable.Repeat("important words", 10)) + "**";

        var telegram = ChannelFormatting.ToTelegramHtml(markdown, 60);
        var whatsApp = ChannelFormatting.ToWhatsApp(markdown, 60);

        Assert.True(telegram.Count > 1);
        Assert.All(telegram, part => Assert.Matches("^<blockquote><b>[a-z ]+</b></blockquote>$", part));
        Assert.All(whatsApp, part => Assert.Matches(@"^> \*[a-z ]+\*$", part));
    }

    [Fact]
    public void A_word_longer_than_the_limit_is_cut_as_a_last_resort()
    {
        var word = new string('a', 250);

        string[] expected = [new string('a', 100), new string('a', 100), new string('a', 50) + " end"];
        Assert.Equal(expected, ChannelFormatting.ToTelegramHtml($"{word} end", 100));
        Assert.Equal(expected, ChannelFormatting.ToWhatsApp($"{word} end", 100));
    }

    [Fact]
    public void Portuguese_text_with_emoji_is_measured_in_utf16_units_and_never_cut_inside_a_character()
    {
        // Each sentence is 33 UTF-16 units (32 characters): an emoji counts twice, as Telegram counts it.
        const string markdown = "Ótimo trabalho 🎉 ação concluída. Próximo passo: revisão 😀 amanhã.";

        Assert.Equal(["Ótimo trabalho 🎉 ação concluída.", "Próximo passo: revisão 😀 amanhã."], ChannelFormatting.ToTelegramHtml(markdown, 33));
        Assert.Equal(["Ótimo trabalho 🎉 ação", "concluída.", "Próximo passo: revisão 😀", "amanhã."], ChannelFormatting.ToWhatsApp(markdown, 32));

        var emoji = string.Concat(Enumerable.Repeat("😀", 30));
        Assert.Equal([emoji[..24], emoji[24..48], emoji[48..]], ChannelFormatting.ToTelegramHtml(emoji, 25));
        var decomposed = string.Concat(Enumerable.Repeat("a\u0301", 10));
        Assert.Equal(Enumerable.Repeat("a\u0301a\u0301", 5), ChannelFormatting.ToWhatsApp(decomposed, 5));
    }

    const string RichReply = """
        # Relatório de vendas

        Aqui está o resumo, com **dados _importantes_** e ~~erros~~ corrigidos. Veja [o painel](https://example.com/painel?x=1&y=2) ou <https://parley.dev>.

        1. Primeiro passo: rode `dotnet build` & espere.
        2. Depois:
           ```bash
           ./run.sh --flag=*x* && echo "<ok>"
           ```
        3. Fim.

        > Citação com [link](https://a.b/c) e `código`.
        >
        > Segundo parágrafo da citação, um pouco mais longo que o primeiro.

        | Produto | Qtd |
        |---|--:|
        | Café | 2 |
        | Pão de queijo | 10 |

        Texto final com <tags> & entidades &copy; e um * solto, _sublinhado_ e snake_case. Mais uma frase! E outra?

        - item a
          - item b mais profundo
        """;

    [Theory]
    [MemberData(nameof(Channels))]
    public void Every_message_of_a_rich_reply_fits_the_limit_and_nothing_is_lost_at_any_limit(string channel)
    {
        var whole = Format(channel, RichReply, 4096);
        Assert.Single(whole);

        for (var maxLength = 80; maxLength <= 400; maxLength += 11)
        {
            var parts = Format(channel, RichReply, maxLength);

            Assert.All(parts, part => Assert.InRange(part.Length, 1, maxLength));
            Assert.All(parts, part => Assert.Equal(part.Trim(), part));
            if (channel == "telegram") Assert.Equal(Words(whole, channel), Words(parts, channel));
        }
    }

    static IReadOnlyList<string> Format(string channel, string markdown, int maxLength) =>
        channel == "telegram" ? ChannelFormatting.ToTelegramHtml(markdown, maxLength) : ChannelFormatting.ToWhatsApp(markdown, maxLength);

    // Telegram's HTML mode uses only the entities XML predefines (&lt; &gt; &amp; &quot;), so an XML parser reads
    // a part exactly as Telegram does, and refuses one whose tags are not balanced.
    static string Visible(string part, string channel)
    {
        if (channel != "telegram") return part;
        var root = XElement.Parse($"<root>{part}</root>", LoadOptions.PreserveWhitespace);
        var allowed = new[] { "b", "i", "u", "s", "code", "pre", "a", "blockquote", "tg-spoiler" };
        Assert.All(root.Descendants(), element => Assert.Contains(element.Name.LocalName, allowed));
        return root.Value;
    }

    static List<string> Words(IEnumerable<string> parts, string channel) =>
        [.. parts.SelectMany(part => Visible(part, channel).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries))];
}
