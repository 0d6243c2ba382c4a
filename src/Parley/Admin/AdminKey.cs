namespace Parley.Admin;

/// <summary>An operator's API key, stored only as its SHA-256 hash.</summary>
public sealed class AdminKey
{
    public required string Hash { get; init; }
    public required string Label { get; init; }
    public DateTime CreatedAt { get; init; }
}
