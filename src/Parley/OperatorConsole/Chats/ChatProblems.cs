using Parley.Conversations;

namespace Parley.OperatorConsole.Chats;

/// <summary>
/// Refusals and reply errors of the conversation core, in the operator's language. The core's own sentences are
/// English; only the provider's words in a rejected request are passed on as they came.
/// </summary>
public static class ChatProblems
{
    public static string Describe(ConsoleText text, OperatorTime time, ConversationRefusal refusal) => refusal.OperatorMessage ?? refusal.Code switch
    {
        ConversationRefusal.TokenBudgetSpent => text.Format("ErrorBudget", time.Time(refusal.Get<DateTime>("resetsAt"))),
        ConversationRefusal.MaxMessagesReached => text.Format("ErrorMaxMessages", refusal.Get<int>("limit")),
        ConversationRefusal.HourlyLimitReached => text.Format("ErrorHourly", refusal.Get<int>("limit"), time.Time(refusal.Get<DateTime>("resetsAt"))),
        ConversationRefusal.InputTooLong => text.Format("ErrorTooLong", refusal.Get<int>("tokens"), refusal.Get<int>("limit")),
        ConversationRefusal.ReplyInProgress => text["ErrorBusy"],
        ConversationRefusal.SessionExpired => text["Expired"],
        ConversationRefusal.SessionNotFound => text["SessionGone"],
        ConversationRefusal.MessageEmpty => text["ErrorEmpty"],
        ConversationRefusal.AttachmentTypeRefused => text.Format("ErrorFileType", refusal.Get<string>("name")),
        ConversationRefusal.AttachmentTooLarge => text.Format("ErrorFileTooLarge", refusal.Get<int>("limit")),
        ConversationRefusal.TooManyAttachments => text.Format("ErrorTooManyFiles", refusal.Get<int>("limit")),
        ConversationRefusal.ImagesNotAccepted => text["ErrorNoImages"],
        ConversationRefusal.AttachmentsNotAllowed => text["ErrorNoFiles"],
        _ => Describe(text, refusal.Code, refusal.Message),
    };

    /// <summary>Why a reply failed or was cut off.</summary>
    public static string Describe(ConsoleText text, string? code, string? message) => code switch
    {
        ProviderErrors.AuthFailedCode => text["ErrorProviderAuth"],
        ProviderErrors.RejectedCode => text["ErrorProviderRejected"],
        "provider_rate_limited" => text["ErrorProviderRateLimited"],
        "provider_timeout" => text["ErrorProviderTimeout"],
        "provider_unreachable" or "provider_unavailable" or "provider_connection_lost" or "provider_bad_response" => text["ErrorProviderUnavailable"],
        ChatEvents.ServerStopping => text["ErrorStopping"],
        ChatEvents.StorageFailed => text["ErrorStorage"],
        null => text["Incomplete"],
        _ => text.Format("ErrorReply", code),
    };
}
