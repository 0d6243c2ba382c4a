using System.ClientModel;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Parley.Api;
using Parley.Conversations;
using Parley.Data;
using Parley.Gateways;
using Parley.Research;

namespace Parley.OperatorConsole.Editors;

/// <summary>A gateway as the console lists it: never its key, only the key's masked hint.</summary>
public sealed record GatewayRow(
    Guid Id, string Name, GatewayParameters Parameters, string? KeyHint, int Revision, IReadOnlyList<string> Users, string? SearchKeyHint = null);

/// <summary>What "Test connection" saw: the answer, or the provider's error with its code and HTTP status.</summary>
public sealed record ConnectionTest(bool Ok, string Text, string? Code, int? Status, TimeSpan Elapsed);

/// <summary>
/// The console's side of the AI gateways page. Writes go through <see cref="GatewayStore"/> after the same validator
/// the admin API runs, so the page and the API keep one set of rules.
/// </summary>
public sealed class GatewayEditor(AppDb db, GatewayStore store, RequestValidator validator, ModelClients models)
{
    // Small, and asks for a short answer: a test should cost next to nothing on a paid provider.
    const string TestPrompt = "Reply with one short sentence to say you are ready.";
    static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    public async Task<List<GatewayRow>> ListAsync(CancellationToken ct)
    {
        var gateways = await db.Gateways.AsNoTracking().OrderBy(g => g.CreatedAt).ToListAsync(ct);
        var clients = await db.ChatClients.AsNoTracking().OrderBy(c => c.Name).Select(c => new { c.AiGatewayId, c.Name }).ToListAsync(ct);
        var users = clients.ToLookup(c => c.AiGatewayId, c => c.Name);
        return [.. gateways.Select(g => new GatewayRow(g.Id, g.Name, g.Parameters with { McpServers = McpServerSecrets.Masked(g.Parameters.McpServers) }, g.ApiKeyHint, g.Revision, [.. users[g.Id]], g.SearchKeyHint))];
    }

    public async Task<EditOutcome<AiGateway>> CreateAsync(GatewayRequest request, CancellationToken ct) =>
        await validator.ValidateAsync(request, ct) is { } errors
            ? EditOutcome.Invalid<AiGateway>(EditorErrors.Of(request, errors))
            : EditOutcome.Done(await store.CreateAsync(request, ct));

    public async Task<EditOutcome<AiGateway>> UpdateAsync(Guid id, GatewayRequest request, bool setKey, int revision, CancellationToken ct)
    {
        if (await validator.ValidateAsync(request, ct) is { } errors) return EditOutcome.Invalid<AiGateway>(EditorErrors.Of(request, errors));
        var outcome = await store.UpdateAsync(id, request, setKey, revision, ct);
        return outcome.Change switch
        {
            GatewayChange.Done => EditOutcome.Done(outcome.Gateway!),
            GatewayChange.NotFound => new(EditResult.NotFound),
            _ => new(EditResult.Conflict),
        };
    }

    public Task<GatewayOutcome> DeleteAsync(Guid id, CancellationToken ct) => store.DeleteAsync(id, ct);

    /// <summary>
    /// Sends a tiny prompt through the saved gateway, on the same client and stream reader replies use, so a gateway
    /// that passes here answers the end users too.
    /// </summary>
    public async Task<ConnectionTest?> TestAsync(Guid id, CancellationToken ct)
    {
        var gateway = await db.Gateways.AsNoTracking().SingleOrDefaultAsync(g => g.Id == id, ct);
        if (gateway is null) return null;

        var p = gateway.Parameters;
        List<Microsoft.Extensions.AI.ChatMessage> prompt = [];
        if (p.SystemInstruction is { Length: > 0 } system) prompt.Add(new(ChatRole.System, system));
        prompt.Add(new(ChatRole.User, p.ApplyTemplate(TestPrompt)));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TestTimeout);
        var clock = Stopwatch.StartNew();
        var answer = new System.Text.StringBuilder();
        try
        {
            await foreach (var part in ReplyParts.ReadAsync(models.For(gateway), prompt, ModelClients.ToChatOptions(p), timeout.Token))
                answer.Append(part.Text);
            return new(true, answer.ToString().Trim(), null, 200, clock.Elapsed);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            var (code, message) = timeout.IsCancellationRequested ? ("provider_timeout", "The model provider took too long to answer.") : ProviderErrors.Describe(ex);
            return new(false, code == ProviderErrors.RejectedCode ? ProviderErrors.ProviderSaid(ex) ?? message : message, code, StatusOf(ex), clock.Elapsed);
        }
    }

    static int? StatusOf(Exception error) => error switch
    {
        AggregateException { InnerExceptions.Count: > 0 } many => StatusOf(many.InnerExceptions[^1]),
        ClientResultException { Status: > 0 } result => result.Status,
        _ => null,
    };
}
