using Parley.Integrations.Formatting;

namespace Parley.Integrations;

// Turns a model's Markdown reply into the messages a channel shows, each within the channel's length limit.
// Map: MarkdownFlattener walks Markdig's syntax tree into StyledText (text plus styles, channel-neutral);
// MessageSplitter picks where messages end; TelegramHtmlWriter or WhatsAppWriter renders each message.
public static class ChannelFormatting
{
    /// <summary>
    /// Telegram Bot API "HTML" parse mode. Lengths are UTF-16 code units, as Telegram counts them; each part's
    /// raw HTML is at most <paramref name="maxLength"/>, so the text Telegram shows fits too.
    /// </summary>
    public static IReadOnlyList<string> ToTelegramHtml(string markdown, int maxLength = 4096) =>
        Format(markdown, maxLength, bullet: "• ", TelegramHtmlWriter.Write);

    /// <summary>
    /// WhatsApp's formatting characters, no HTML. Lengths are UTF-16 code units of the text sent.
    /// </summary>
    public static IReadOnlyList<string> ToWhatsApp(string markdown, int maxLength = 4096) =>
        Format(markdown, maxLength, bullet: "- ", WhatsAppWriter.Write);

    static IReadOnlyList<string> Format(string markdown, int maxLength, string bullet, Func<StyledText, int, int, string> render)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        return MessageSplitter.Split(MarkdownFlattener.Flatten(markdown, bullet, maxLength), maxLength, render);
    }
}
