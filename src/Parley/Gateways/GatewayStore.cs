using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Research;

namespace Parley.Gateways;

/// <summary>A chat client that keeps a gateway from being deleted.</summary>
public sealed record GatewayUser(Guid Id, string Name);

public enum GatewayChange { Done, NotFound, Conflict, InUse }

/// <summary>What a write did; <see cref="Users"/> names the chat clients when a delete was refused for them.</summary>
public sealed record GatewayOutcome(GatewayChange Change, AiGateway? Gateway = null, IReadOnlyList<GatewayUser>? Users = null);

/// <summary>
/// The one place gateways are written, for the admin API and the console alike: the key is encrypted and never
/// stored in the parameters, every change bumps the revision (cached provider clients follow it), and a gateway
/// in use is never deleted from under its chat clients. Requests reach it already validated.
/// </summary>
public sealed class GatewayStore(AppDb db, GatewayKeyProtector keys, GatewayCache cache, TimeProvider clock)
{
    public async Task<AiGateway> CreateAsync(GatewayRequest request, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        McpServerSecrets.Learn(request.Parameters.McpServers);
        var parameters = request.Parameters.WithoutKeys() with { McpServers = keys.ProtectHeaders(request.Parameters.McpServers) };
        var gateway = new AiGateway { Name = request.Name.Trim(), Parameters = parameters, CreatedAt = now, UpdatedAt = now };
        keys.SetKey(gateway, request.Parameters.ApiKey);
        keys.SetSearchKey(gateway, request.Parameters.WebSearch?.ApiKey);
        db.Gateways.Add(gateway);
        await db.SaveChangesAsync(ct);
        return gateway;
    }

    /// <summary>
    /// Replaces the gateway's name and parameters; the key only when <paramref name="setKey"/> (an absent key keeps the
    /// stored one). The web search key is write-only the same way: absent (null) or its hint keeps the stored one, empty
    /// removes it, and so does removing web search. With <paramref name="expectedRevision"/>, a change made since that
    /// revision was read is a conflict.
    /// </summary>
    public async Task<GatewayOutcome> UpdateAsync(Guid id, GatewayRequest request, bool setKey, int? expectedRevision, CancellationToken ct)
    {
        var gateway = await db.Gateways.SingleOrDefaultAsync(g => g.Id == id, ct);
        if (gateway is null) return new(GatewayChange.NotFound);
        if (expectedRevision is { } expected && expected != gateway.Revision) return new(GatewayChange.Conflict, gateway);

        gateway.Name = request.Name.Trim();
        gateway.Parameters = request.Parameters.WithoutKeys() with
        {
            McpServers = keys.ProtectHeaders(McpServerSecrets.KeepStored(request.Parameters.McpServers, gateway.Parameters.McpServers)),
        };
        if (setKey) keys.SetKey(gateway, request.Parameters.ApiKey);
        // Its hint sent back (a client writing what it read) is no new key.
        if (request.Parameters.WebSearch?.ApiKey is { } searchKey && searchKey != gateway.SearchKeyHint) keys.SetSearchKey(gateway, searchKey);
        else if (request.Parameters.WebSearch is null) keys.SetSearchKey(gateway, null);
        gateway.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        gateway.Revision++;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new(GatewayChange.Conflict, gateway);
        }
        cache.Forget(id);
        return new(GatewayChange.Done, gateway);
    }

    public async Task<GatewayOutcome> DeleteAsync(Guid id, CancellationToken ct)
    {
        if (!await db.Gateways.AnyAsync(g => g.Id == id, ct)) return new(GatewayChange.NotFound);

        var users = await UsersAsync(id, ct);
        if (users.Count > 0) return new(GatewayChange.InUse, Users: users);
        await db.Gateways.Where(g => g.Id == id).ExecuteDeleteAsync(ct);
        cache.Forget(id);
        return new(GatewayChange.Done);
    }

    public async Task<List<GatewayUser>> UsersAsync(Guid id, CancellationToken ct) =>
        await db.ChatClients.AsNoTracking().Where(c => c.AiGatewayId == id)
            .OrderBy(c => c.Name).Select(c => new GatewayUser(c.Id, c.Name)).ToListAsync(ct);
}
