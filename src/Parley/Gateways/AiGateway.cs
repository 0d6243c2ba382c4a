namespace Parley.Gateways;

public sealed class AiGateway
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    /// <summary>Stored without <see cref="GatewayParameters.ApiKey"/>: the key lives only in <see cref="ProtectedApiKey"/>.</summary>
    public required GatewayParameters Parameters { get; set; }
    /// <summary>The provider key, encrypted with Data Protection; never leaves the server in clear.</summary>
    public string? ProtectedApiKey { get; set; }
    public string? ApiKeyHint { get; set; }
    /// <summary>Goes up with every change; cached provider clients and concurrent edits are checked against it.</summary>
    public int Revision { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }
}
