using System.ComponentModel.DataAnnotations;

namespace Parley.ChatClients;

/// <summary>Limits of every session of a chat client. A limit left null does not apply.</summary>
public sealed record LimitingParameters
{
    [Range(1, 1_000_000)] public int? MessagesPerHour { get; init; }
    [Range(1, 1_000_000)] public int? MaxMessages { get; init; }
    [Range(1, 10_000_000)] public int? UserInputMaxTokens { get; init; }

    /// <summary>A user message sent when the session has fewer minutes than this left renews it.</summary>
    [Range(0, 525_600)] public int RenewWhenMinutesLeft { get; init; } = 20;

    /// <summary>The renewed session expires this many minutes after the message that renewed it.</summary>
    [Range(1, 525_600)] public int RenewByMinutes { get; init; } = 20;

    /// <summary>Sessions whose last message is older than this many days are deleted with their messages; null keeps them.</summary>
    [Range(1, 36_500)] public int? RetentionDays { get; init; }

    /// <summary>Tokens (prompt and reply) one session may use per UTC day.</summary>
    [Range(1, 2_000_000_000)] public int? DailyTokensPerSession { get; init; }

    /// <summary>Tokens all the sessions with one tag (one user of the business's app) may use per UTC day.</summary>
    [Range(1, 2_000_000_000)] public int? DailyTokensPerTag { get; init; }

    /// <summary>Tokens the messages sent from one client address (talk page or API) may use per UTC day.</summary>
    [Range(1, 2_000_000_000)] public int? DailyTokensPerAddress { get; init; }

    /// <summary>The file types users may send (read from the bytes); all that Parley reads when left empty.</summary>
    [MaxLength(20)] public IReadOnlyList<string> AllowedAttachmentTypes { get; init; } = [];

    [Range(1, 50_000_000)] public int MaxAttachmentBytes { get; init; } = 10_000_000;
    [Range(1, 100_000_000)] public int MaxAttachmentBytesPerMessage { get; init; } = 20_000_000;
    [Range(1, 20)] public int MaxAttachmentsPerMessage { get; init; } = 5;

    /// <summary>What users are told when a limit stops them, in the operator's words instead of Parley's.</summary>
    public LimitMessages LimitMessages { get; init; } = new();

    public bool HasBudgets => DailyTokensPerSession is not null || DailyTokensPerTag is not null || DailyTokensPerAddress is not null;
}

/// <summary>The operator's own words for each limit; a message left out is Parley's, in the user's language.</summary>
public sealed record LimitMessages
{
    [StringLength(1000)] public string? MaxMessagesReached { get; init; }
    [StringLength(1000)] public string? HourlyLimitReached { get; init; }
    [StringLength(1000)] public string? TokenBudgetSpent { get; init; }

    public string? For(string code) => code switch
    {
        "max_messages_reached" => MaxMessagesReached,
        "hourly_limit_reached" => HourlyLimitReached,
        "token_budget_spent" => TokenBudgetSpent,
        _ => null,
    };
}
