using Microsoft.AspNetCore.Identity;

namespace Parley.OperatorConsole;

/// <summary>A person who signs in to the console with a user name and a password (hashed by ASP.NET Core Identity).</summary>
public sealed class OperatorAccount : IdentityUser<Guid>
{
    public OperatorAccount() => Id = Guid.CreateVersion7();

    /// <summary>The name end users see when this operator answers them in a taken-over conversation.</summary>
    public required string DisplayName { get; set; }
    /// <summary>A disabled account cannot sign in; its sessions end at their next check.</summary>
    public bool Disabled { get; set; }
    public DateTime CreatedAt { get; init; }
}

/// <summary>What an operator may do: <c>admin</c> everything, <c>agent</c> the Chats and sessions only (never provider keys).</summary>
public static class OperatorRoles
{
    public const string Admin = "admin";
    public const string Agent = "agent";

    public static readonly IReadOnlyList<string> All = [Admin, Agent];
}
