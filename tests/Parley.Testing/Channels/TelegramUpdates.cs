using System.Text.Json.Nodes;

namespace Parley.Testing.Channels;

/// <summary>A Telegram user as updates describe the sender; in a private chat the chat id is the user's id.</summary>
public sealed record TelegramUser(long Id, string FirstName, string? Username = null, string? LastName = null, string? LanguageCode = "en")
{
    public static TelegramUser Alice { get; } = new(111111111, "Alice", "alice_test");
    public static TelegramUser Bob { get; } = new(222222222, "Bob", LastName: "Builder", LanguageCode: "pt-br");

    internal JsonObject ToJson(bool isBot = false)
    {
        var user = new JsonObject { ["id"] = Id, ["is_bot"] = isBot, ["first_name"] = FirstName };
        if (LastName is not null) user["last_name"] = LastName;
        if (Username is not null) user["username"] = Username;
        if (LanguageCode is not null && !isBot) user["language_code"] = LanguageCode;
        return user;
    }

    internal JsonObject ToPrivateChat()
    {
        var chat = new JsonObject { ["id"] = Id, ["first_name"] = FirstName };
        if (LastName is not null) chat["last_name"] = LastName;
        if (Username is not null) chat["username"] = Username;
        chat["type"] = "private";
        return chat;
    }
}

/// <summary>
/// Updates shaped as the Bot API sends them (https://core.telegram.org/bots/api#update), to deliver to a webhook or
/// queue for getUpdates. Ids come from process-wide counters, so two updates built anywhere in a test run never share
/// an update_id; pass ids to pin them. Each builder returns a fresh object a test may change further.
/// </summary>
public static class TelegramUpdates
{
    static long lastUpdateId = 500_000_000;
    static long lastMessageId = 1_000;

    public static long NextUpdateId() => Interlocked.Increment(ref lastUpdateId);

    public static long NextMessageId() => Interlocked.Increment(ref lastMessageId);

    /// <summary>A text message in the user's private chat with the bot; a leading /command gets its bot_command entity.</summary>
    public static JsonObject Text(TelegramUser from, string text, long? messageId = null, DateTimeOffset? date = null, long? updateId = null) =>
        Update("message", Message(from, from.ToPrivateChat(), messageId, date, WithText(text)), updateId);

    /// <summary>"/start CODE", what Telegram sends when a user opens t.me/bot?start=CODE; no code for a plain /start.</summary>
    public static JsonObject Start(TelegramUser from, string? code = null, long? messageId = null, DateTimeOffset? date = null, long? updateId = null) =>
        Text(from, code is null ? "/start" : $"/start {code}", messageId, date, updateId);

    /// <summary>The user edited an earlier message: an edited_message update with the message's id and its new text.</summary>
    public static JsonObject Edited(TelegramUser from, long messageId, string newText, DateTimeOffset? date = null, DateTimeOffset? editDate = null, long? updateId = null)
    {
        var message = Message(from, from.ToPrivateChat(), messageId, date, WithText(newText));
        message["edit_date"] = (editDate ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        return Update("edited_message", message, updateId);
    }

    /// <summary>A text message in a group; supergroup ids start with -100, as Telegram's do.</summary>
    public static JsonObject GroupText(long groupId, string title, TelegramUser from, string text, long? messageId = null, DateTimeOffset? date = null, long? updateId = null)
    {
        var chat = new JsonObject { ["id"] = groupId, ["title"] = title, ["type"] = groupId <= -1_000_000_000_000 ? "supergroup" : "group" };
        return Update("message", Message(from, chat, messageId, date, WithText(text)), updateId);
    }

    /// <summary>A photo in the private chat: the sizes Telegram generated, smallest first, and an optional caption.</summary>
    public static JsonObject Photo(TelegramUser from, string? caption = null, long? messageId = null, DateTimeOffset? date = null, long? updateId = null) =>
        Update("message", Message(from, from.ToPrivateChat(), messageId, date, message =>
        {
            message["photo"] = new JsonArray(
                PhotoSize("AgACAgQAAxkBAAIBQ2Zs", 90, 67, 1_283),
                PhotoSize("AgACAgQAAxkBAAIBQ2Zm", 320, 240, 16_944),
                PhotoSize("AgACAgQAAxkBAAIBQ2Zx", 1280, 960, 131_072));
            if (caption is not null)
                message["caption"] = caption;
        }), updateId);

    static JsonObject Update(string kind, JsonObject message, long? updateId) =>
        new() { ["update_id"] = updateId ?? NextUpdateId(), [kind] = message };

    static JsonObject Message(TelegramUser from, JsonObject chat, long? messageId, DateTimeOffset? date, Action<JsonObject> content)
    {
        var message = new JsonObject
        {
            ["message_id"] = messageId ?? NextMessageId(),
            ["from"] = from.ToJson(),
            ["chat"] = chat,
            ["date"] = (date ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(),
        };
        content(message);
        return message;
    }

    static Action<JsonObject> WithText(string text) => message =>
    {
        message["text"] = text;
        if (text.StartsWith('/'))
        {
            var end = text.IndexOfAny([' ', '\n']);
            message["entities"] = new JsonArray(new JsonObject { ["offset"] = 0, ["length"] = end < 0 ? text.Length : end, ["type"] = "bot_command" });
        }
    };

    static JsonObject PhotoSize(string fileId, int width, int height, int size) => new()
    {
        ["file_id"] = $"{fileId}{width}x{height}",
        ["file_unique_id"] = $"AQAD{width}{height}",
        ["file_size"] = size,
        ["width"] = width,
        ["height"] = height,
    };
}
