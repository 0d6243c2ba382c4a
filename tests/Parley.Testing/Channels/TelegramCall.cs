using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Testing.Channels;

/// <summary>
/// One Bot API call <see cref="FakeTelegram"/> received: the method as named in the URL and its parameters, whether
/// they came as JSON, a form or the query string (form values stay strings, as Telegram reads them).
/// </summary>
public sealed record TelegramCall(string Method, JsonObject Parameters)
{
    /// <summary>A parameter as text: a string as is, any other JSON value (numbers, objects) as its JSON.</summary>
    public string? this[string name] => Parameters[name] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        var node => node.ToJsonString(),
    };

    public long? ChatId => Number("chat_id");

    public string? Text => this["text"];

    public string? ParseMode => this["parse_mode"];

    public string? Action => this["action"];

    /// <summary>A whole-number parameter, sent as a JSON number or as text; null when absent or not a number.</summary>
    public long? Number(string name) =>
        long.TryParse(this[name], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>reply_parameters.message_id, the message this one answers.</summary>
    public long? ReplyToMessageId => (Parameters["reply_parameters"] as JsonObject)?["message_id"]?.Deserialize<long>();
}
