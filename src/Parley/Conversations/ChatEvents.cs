using System.Net.ServerSentEvents;

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

    public static SseItem<object> OfDelta(string content) => new(new TextPayload(content), Delta);
    public static SseItem<object> OfReasoning(string content) => new(new TextPayload(content), Reasoning);
    public static SseItem<object> OfDone(Guid? messageId, string finishReason, UsageView usage) =>
        new(new DonePayload(messageId, finishReason, usage), Done);
    public static SseItem<object> OfError(string code, string message, Guid? messageId) =>
        new(new ErrorPayload(code, message, messageId, IsRetryable(code)), Error);

    /// <summary>
    /// Whether sending the same again may work. Only a refused provider key and a rejected request need a person to
    /// change something first; everything else (timeouts, lost connections, a restart, a failed write) passes.
    /// </summary>
    public static bool IsRetryable(string code) => code is not (ProviderErrors.AuthFailedCode or ProviderErrors.RejectedCode);
}

public sealed record TextPayload(string Content);
public sealed record DonePayload(Guid? MessageId, string FinishReason, UsageView Usage);
public sealed record ErrorPayload(string Code, string Message, Guid? MessageId, bool Retryable);

/// <summary>Token usage; <c>source</c> says whether the provider reported it or Parley counted it.</summary>
public sealed record UsageView(long InputTokens, long OutputTokens, string Source);
