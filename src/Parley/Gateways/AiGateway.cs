namespace Parley.Gateways;

public sealed class AiGateway
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    /// <summary>Stored without its keys (<see cref="GatewayParameters.WithoutKeys"/>): they live only in <see cref="ProtectedApiKey"/> and <see cref="ProtectedSearchKey"/>.</summary>
    public required GatewayParameters Parameters { get; set; }
    /// <summary>The provider key, encrypted with Data Protection; never leaves the server in clear.</summary>
    public string? ProtectedApiKey { get; set; }
    public string? ApiKeyHint { get; set; }
    /// <summary>The web search provider's key (<see cref="Research.WebSearchSettings.ApiKey"/>), encrypted like the provider key.</summary>
    public string? ProtectedSearchKey { get; set; }
    public string? SearchKeyHint { get; set; }
    /// <summary>Goes up with every change; cached provider clients and concurrent edits are checked against it.</summary>
    public int Revision { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }
}
