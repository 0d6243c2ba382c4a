using System.Globalization;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace Parley.Integrations.Telegram;

/// <summary>What of a Telegram update reaches the conversation; the same for webhook calls and polling.</summary>
public static class TelegramInbound
{
    /// <summary>
    /// A person's new message in a private chat (or in a group, when the integration allows groups), as text or as
    /// something the assistant cannot read; null for the rest: edits, channel posts, other bots, service messages
    /// (someone joined, a title changed). The update id identifies it, so a second delivery is stored once.
    /// </summary>
    public static Inbound? From(Update update, IntegrationSettings settings)
    {
        if (update.Message is not { From.IsBot: false, IsServiceMessage: false } message) return null;
        var group = message.Chat.Type is ChatType.Group or ChatType.Supergroup;
        if (message.Chat.Type != ChatType.Private && !(group && settings.AllowGroups)) return null;

        // A caption comes with a photo or a file the assistant cannot see: answering the caption alone ("what is
        // this?") would mislead, so such a message gets the "only text" answer like any other media.
        var kind = message.Text is null ? InboundKind.Unsupported : InboundKind.Text;
        var name = group ? message.Chat.Title : string.Join(' ', new[] { message.From.FirstName, message.From.LastName }.Where(n => !string.IsNullOrEmpty(n)));
        return new Inbound(
            message.Chat.Id.ToString(CultureInfo.InvariantCulture), update.Id.ToString(CultureInfo.InvariantCulture), kind, message.Text,
            message.Date, name);
    }
}
