using System.Text.Json;

namespace Parley.Integrations.WhatsApp;

// Z-API's payloads as developer.z-api.io documents them, with only the fields Parley reads or sends. Flags are
// nullable so that a field Z-API leaves out, or sends as null, reads as "not set" instead of failing the payload.

/// <summary>GET status: whether the instance is connected to a WhatsApp number, and whether that phone is online.</summary>
sealed record ZapiStatus(bool Connected, bool SmartphoneConnected);

/// <summary>GET device: the connected phone.</summary>
sealed record ZapiDevice(string? Phone);

/// <summary>POST send-text. <c>delayTyping</c> shows "typing…" for that many seconds (1–15) before the message.</summary>
sealed record ZapiSendText(string Phone, string Message, int? DelayTyping);

/// <summary>What send-text answers (besides Z-API's own zaapId): WhatsApp's id of the message.</summary>
sealed record ZapiSent(string? MessageId);

/// <summary>How Z-API words a refusal.</summary>
sealed record ZapiError(string? Error, string? Message);

/// <summary>The "on message received" webhook's payload.</summary>
sealed record ZapiReceived(
    string? Type,
    string? MessageId,
    string? Phone,
    string? ConnectedPhone,
    bool? FromMe,
    bool? FromApi,
    bool? IsGroup,
    bool? IsNewsletter,
    bool? Broadcast,
    bool? IsStatusReply,
    bool? IsEdit,
    bool? WaitingMessage,
    long? Momment,
    string? SenderName,
    ZapiText? Text,
    JsonElement Reaction,
    JsonElement Notification);

sealed record ZapiText(string? Message);
