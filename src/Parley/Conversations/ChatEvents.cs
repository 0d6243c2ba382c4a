using System.Net.ServerSentEvents;
using System.Text.Json;

namespace Parley.Conversations;

/// <summary>
/// The server-sent events of a reply. Event names and payloads are a public contract: the talk page, the console
/// and API users read them.
/// </summary>
public static class ChatEvents
{
    public const string Delta = "delta";
    public const string Reasoning = "reasoning";
    public const string Done = "done";
    public const string Error = "error";
    /// <summary>The message is stored for the person answering in the assistant's place; no reply follows.</summary>
    public const string Held = "held";
    /// <summary>A tool of the model starting or finished: what the user is shown while the reply looks something up.</summary>
    public const string Tool = "tool";

    /// <summary>Parley is stopping (or stopped) while the reply was being generated.</summary>
    public const string ServerStopping = "server_stopping";

    /// <summary>The user's message or the finished reply could not be written to the database.</summary>
    public const string StorageFailed = "storage_failed";

    public static SseItem<object> OfDelta(string content) => new(new TextPayload(content), Delta);
    public static SseItem<object> OfReasoning(string content) => new(new TextPayload(content), Reasoning);
    public static SseItem<object> OfDone(Guid? messageId, string? finishReason, UsageView usage, IReadOnlyList<Research.Source>? sources = null) =>
        new(new DonePayload(messageId, finishReason, usage, sources is { Count: > 0 } ? sources : null), Done);
    public static SseItem<object> OfTool(string name, string status, string summary) => new(new ToolPayload(name, status, summary), Tool);
    public static SseItem<object> OfHeld(HeldMessage held) => new(new HeldPayload(held.MessageId, held.OperatorName), Held);

    public static SseItem<object> OfError(string code, string message, Guid? messageId) =>
        new(new ErrorPayload(code, message, messageId, IsRetryable(code)), Error);

    /// <summary>
    /// An event read back from the JSON it was shared as (the reply feed between instances), with the same typed payload
    /// a reader on the generating instance gets.
    /// </summary>
    public static SseItem<object> Parse(string type, string json) => new(type switch
    {
        Delta or Reasoning => Deserialize<TextPayload>(json),
        Done => Deserialize<DonePayload>(json),
        Error => Deserialize<ErrorPayload>(json),
        Held => Deserialize<HeldPayload>(json),
        Tool => Deserialize<ToolPayload>(json),
        _ => JsonDocument.Parse(json).RootElement.Clone(),
    }, type);

    static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, JsonSerializerOptions.Web) ?? throw new JsonException($"A {typeof(T).Name} was null.");

    /// <summary>
    /// Whether sending the same again may work. Only a refused provider key and a rejected request need a person to
    /// change something first; everything else (timeouts, lost connections, a restart, a failed write) passes.
    /// </summary>
    public static bool IsRetryable(string code) => code is not (ProviderErrors.AuthFailedCode or ProviderErrors.RejectedCode);
}

public sealed record TextPayload(string Content);

/// <summary><c>finishReason</c> is the provider's own, null when it gave none; <c>sources</c>: the pages the reply's tools used.</summary>
public sealed record DonePayload(Guid? MessageId, string? FinishReason, UsageView Usage, IReadOnlyList<Research.Source>? Sources = null);

/// <summary><c>status</c> is <c>running</c>, <c>done</c> or <c>failed</c>; <c>summary</c> the line to show (e.g. "Searching the web for …").</summary>
public sealed record ToolPayload(string Name, string Status, string Summary);
public sealed record HeldPayload(Guid MessageId, string OperatorName);
public sealed record ErrorPayload(string Code, string Message, Guid? MessageId, bool Retryable);

/// <summary>Token usage; <c>source</c> says whether the provider reported it or Parley counted it.</summary>
public sealed record UsageView(long InputTokens, long OutputTokens, string Source);
