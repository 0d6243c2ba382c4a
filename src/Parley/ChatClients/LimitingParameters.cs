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
}
