using Parley.Integrations.Formatting;

namespace Parley.Integrations;

// Turns a model's Markdown reply into the messages a channel shows, each within the channel's length limit.
// Map: MarkdownFlattener walks Markdig's syntax tree into StyledText (text plus styles, channel-neutral);
// MessageSplitter picks where each message ends; TelegramHtmlWriter or WhatsAppWriter renders every message.
public static class ChannelFormatting
{
    /// <summary>
    /// The messages to send, in order, with Telegram's <c>parse_mode=HTML</c>. Each is at most
    /// <paramref name="maxLength"/> UTF-16 code units of raw HTML (so the text Telegram shows fits too) and has
    /// balanced tags of its own.
    /// </summary>
    public static IReadOnlyList<string> ToTelegramHtml(string markdown, int maxLength = 4096) =>
        Format(markdown, maxLength, bullet: "• ", TelegramHtmlWriter.Write);

    /// <summary>
    /// The messages to send, in order, as WhatsApp text bodies using WhatsApp's own formatting characters.
    /// Each is at most <paramref name="maxLength"/> UTF-16 code units.
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
