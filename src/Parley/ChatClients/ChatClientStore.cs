using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.ChatClients;

public enum ChatClientChange { Done, NotFound, UnknownGateway }

/// <summary>What a write did, with the client as saved and its gateway's model (for the limits it can enforce).</summary>
public sealed record ChatClientOutcome(ChatClientChange Change, ChatClient? Client = null, string? Model = null);

/// <summary>
/// The one place chat clients are written, for the admin API and the console alike: a client always names an
/// existing gateway, and the cached copy is dropped on every change. Requests reach it already validated.
/// </summary>
public sealed class ChatClientStore(AppDb db, ChatClientCache cache, TimeProvider clock)
{
    /// <summary>The rule the API words as "The aiGatewayId field must name an existing AI gateway."</summary>
    public const string UnknownGatewayMessage = "The aiGatewayId field must name an existing AI gateway.";

    public async Task<ChatClientOutcome> CreateAsync(ChatClientRequest request, CancellationToken ct)
    {
        if (await GatewayModelAsync(request.AiGatewayId, ct) is not { } model) return new(ChatClientChange.UnknownGateway);
        var now = clock.GetUtcNow().UtcDateTime;
        var client = new ChatClient
        {
            Name = request.Name.Trim(),
            AiGatewayId = request.AiGatewayId,
            ClientParameters = request.ClientParameters ?? new(),
            LimitingParameters = request.LimitingParameters ?? new(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.ChatClients.Add(client);
        await db.SaveChangesAsync(ct);
        return new(ChatClientChange.Done, client, model);
    }

    public async Task<ChatClientOutcome> ReplaceAsync(Guid id, ChatClientRequest request, CancellationToken ct)
    {
        var client = await db.ChatClients.SingleOrDefaultAsync(c => c.Id == id, ct);
        if (client is null) return new(ChatClientChange.NotFound);
        if (await GatewayModelAsync(request.AiGatewayId, ct) is not { } model) return new(ChatClientChange.UnknownGateway);

        client.Name = request.Name.Trim();
        client.AiGatewayId = request.AiGatewayId;
        client.ClientParameters = request.ClientParameters ?? new();
        client.LimitingParameters = request.LimitingParameters ?? new();
        client.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        cache.Forget(id);
        return new(ChatClientChange.Done, client, model);
    }

    /// <summary>Removes the client with its sessions, their keys and messages (cascade), in one statement.</summary>
    public async Task<bool> DeleteAsync(Guid id, CancellationToken ct)
    {
        cache.Forget(id);
        return await db.ChatClients.Where(c => c.Id == id).ExecuteDeleteAsync(ct) > 0;
    }

    async Task<string?> GatewayModelAsync(Guid gatewayId, CancellationToken ct) =>
        (await db.Gateways.Where(g => g.Id == gatewayId).Select(g => g.Parameters).SingleOrDefaultAsync(ct))?.ModelName;
}
