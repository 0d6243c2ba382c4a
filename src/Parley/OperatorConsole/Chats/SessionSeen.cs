namespace Parley.OperatorConsole.Chats;

/// <summary>
/// How far one operator has read a session: its messages created after <see cref="SeenUpTo"/> are unread for them.
/// Operators sign in with an account (its id) or with the admin key (all of those are the one reader "admin").
/// </summary>
public sealed class SessionSeen
{
    public const string AdminReader = "admin";

    public Guid SessionId { get; init; }
    public required string Reader { get; init; }
    public DateTime SeenUpTo { get; set; }
}
