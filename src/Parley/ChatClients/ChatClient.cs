namespace Parley.ChatClients;

public sealed class ChatClient
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public Guid AiGatewayId { get; set; }
    public required ClientParameters ClientParameters { get; set; }
    public required LimitingParameters LimitingParameters { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }
}
