using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Parley.Testing.Channels;

/// <summary>
/// "ReceivedCallback" payloads, field for field as Z-API's on-message-received webhook sends them
/// (https://developer.z-api.io/en/webhooks/on-message-received), to deliver with <see cref="FakeZapi.DeliverAsync(Uri, JsonObject, CancellationToken)"/>.
/// Each builder returns a fresh object; set a field for the rarer variants (<c>["isEdit"] = true</c>,
/// <c>["fromMe"] = true</c>, <c>["isStatusReply"] = true</c>, <c>["broadcast"] = true</c>).
/// </summary>
public static class ZapiWebhooks
{
    /// <summary>The instance's own number, as connectedPhone reports it.</summary>
    public const string ConnectedPhone = "554499999999";

    /// <summary>A WhatsApp message id as Z-API reports them: 3EB0 and hex digits.</summary>
    public static string NewMessageId() => "3EB0" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));

    public static JsonObject Text(string instanceId, string phone, string message, string senderName = "Test User", string? messageId = null, DateTimeOffset? at = null)
    {
        var payload = Received(instanceId, phone, senderName, messageId, at);
        payload["text"] = new JsonObject { ["message"] = message };
        return payload;
    }

    /// <summary>A text in a WhatsApp group: phone is the group's id, the sender is the participant.</summary>
    public static JsonObject GroupText(string instanceId, string groupId, string participantPhone, string message, string groupName = "Test group", string? messageId = null, DateTimeOffset? at = null)
    {
        var payload = Text(instanceId, groupId, message, "Test User", messageId, at);
        payload["isGroup"] = true;
        payload["chatName"] = groupName;
        payload["senderLid"] = Lid(participantPhone);
        payload["participantPhone"] = participantPhone;
        payload["participantLid"] = Lid(participantPhone);
        return payload;
    }

    public static JsonObject Image(string instanceId, string phone, string caption = "", string senderName = "Test User", string? messageId = null, DateTimeOffset? at = null)
    {
        var payload = Received(instanceId, phone, senderName, messageId, at);
        payload["image"] = new JsonObject
        {
            ["mimeType"] = "image/jpeg",
            ["imageUrl"] = MediaUrl(payload, "jpeg"),
            ["thumbnailUrl"] = MediaUrl(payload, "thumb.jpeg"),
            ["downloadError"] = null,
            ["caption"] = caption,
            ["width"] = 600,
            ["height"] = 315,
            ["viewOnce"] = false,
        };
        return payload;
    }

    /// <summary>A voice note (ptt) as Z-API reports one.</summary>
    public static JsonObject Audio(string instanceId, string phone, int seconds = 10, string senderName = "Test User", string? messageId = null, DateTimeOffset? at = null)
    {
        var payload = Received(instanceId, phone, senderName, messageId, at);
        payload["audio"] = new JsonObject
        {
            ["ptt"] = true,
            ["seconds"] = seconds,
            ["audioUrl"] = MediaUrl(payload, "ogg"),
            ["mimeType"] = "audio/ogg; codecs=opus",
            ["viewOnce"] = false,
        };
        return payload;
    }

    public static JsonObject Document(string instanceId, string phone, string fileName = "report.pdf", string senderName = "Test User", string? messageId = null, DateTimeOffset? at = null)
    {
        var payload = Received(instanceId, phone, senderName, messageId, at);
        payload["document"] = new JsonObject
        {
            ["documentUrl"] = MediaUrl(payload, "pdf"),
            ["mimeType"] = "application/pdf",
            ["title"] = Path.GetFileNameWithoutExtension(fileName),
            ["pageCount"] = 1,
            ["fileName"] = fileName,
        };
        return payload;
    }

    // The attributes every received message carries, in the order of the documented text example.
    static JsonObject Received(string instanceId, string phone, string senderName, string? messageId, DateTimeOffset? at) => new()
    {
        ["isStatusReply"] = false,
        ["senderLid"] = Lid(phone),
        ["connectedPhone"] = ConnectedPhone,
        ["waitingMessage"] = false,
        ["isEdit"] = false,
        ["isGroup"] = false,
        ["isNewsletter"] = false,
        ["instanceId"] = instanceId,
        ["messageId"] = messageId ?? NewMessageId(),
        ["phone"] = phone,
        ["fromMe"] = false,
        ["momment"] = (at ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds(),
        ["status"] = "RECEIVED",
        ["chatName"] = senderName,
        ["senderPhoto"] = null,
        ["senderName"] = senderName,
        ["participantPhone"] = null,
        ["participantLid"] = null,
        ["photo"] = null,
        ["broadcast"] = false,
        ["forwarded"] = false,
        ["type"] = "ReceivedCallback",
        ["fromApi"] = false,
    };

    // WhatsApp's "lid" is an opaque contact id, not the phone number; one per number keeps senders apart.
    static string Lid(string phone) => $"{phone.PadLeft(14, '8')[^14..]}@lid";

    static string MediaUrl(JsonObject payload, string extension) => $"https://storage.z-api.test/{payload["messageId"]}.{extension}";
}
