using Microsoft.EntityFrameworkCore;
using Parley.Api;
using Parley.ChatClients;
using Parley.Data;
using Parley.Integrations;
using Parley.Sessions;

namespace Parley.OperatorConsole.Editors;

public sealed record ChatClientRow(Guid Id, string Name, string GatewayName, string LanguageCode, string? PageTitle);

public sealed record GatewayChoice(Guid Id, string Name);

/// <summary>A session made from the console: its talk URL and that URL as a QR code (SVG) for a phone's camera.</summary>
public sealed record ConsoleSession(Guid SessionId, string TalkUrl, DateTime ExpiresAt, bool Renewed, string QrCodeSvg);

/// <summary>
/// The console's side of the chat clients pages. Saves and new sessions run the admin API's own validator and go
/// through the same store and session service as the API, so the console can do nothing the API would refuse.
/// </summary>
public sealed class ChatClientEditor(AppDb db, ChatClientStore store, RequestValidator validator, SessionService sessions)
{
    public async Task<List<ChatClientRow>> ListAsync(CancellationToken ct)
    {
        var rows = await db.ChatClients.AsNoTracking()
            .Join(db.Gateways, c => c.AiGatewayId, g => g.Id, (c, g) => new { Client = c, Gateway = g.Name })
            .ToListAsync(ct);
        return [.. rows.OrderBy(r => r.Client.CreatedAt)
            .Select(r => new ChatClientRow(r.Client.Id, r.Client.Name, r.Gateway, r.Client.ClientParameters.LanguageCode, r.Client.ClientParameters.PageTitle))];
    }

    public Task<ChatClient?> FindAsync(Guid id, CancellationToken ct) => db.ChatClients.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, ct);

    public async Task<List<GatewayChoice>> GatewaysAsync(CancellationToken ct) =>
        await db.Gateways.AsNoTracking().OrderBy(g => g.CreatedAt).Select(g => new GatewayChoice(g.Id, g.Name)).ToListAsync(ct);

    public async Task<EditOutcome<ChatClient>> SaveAsync(Guid? id, ChatClientRequest request, CancellationToken ct)
    {
        if (await validator.ValidateAsync(request, ct) is { } errors) return EditOutcome.Invalid<ChatClient>(EditorErrors.Of(request, errors));
        var outcome = id is { } existing ? await store.ReplaceAsync(existing, request, ct) : await store.CreateAsync(request, ct);
        return outcome.Change switch
        {
            ChatClientChange.Done => EditOutcome.Done(outcome.Client!),
            ChatClientChange.UnknownGateway => EditOutcome.Invalid<ChatClient>(
                [new FieldError(nameof(ChatClientRequest.AiGatewayId), "Custom", [], ChatClientStore.UnknownGatewayMessage)]),
            _ => new(EditResult.NotFound),
        };
    }

    public Task<bool> DeleteAsync(Guid id, CancellationToken ct) => store.DeleteAsync(id, ct);

    /// <summary>A session as <c>POST …/sessions</c> makes one: a tag with an open session renews that session.</summary>
    public async Task<EditOutcome<ConsoleSession>> CreateSessionAsync(Guid clientId, CreateSessionRequest request, string baseUrl, CancellationToken ct)
    {
        if (await validator.ValidateAsync(request, ct) is { } errors) return EditOutcome.Invalid<ConsoleSession>(EditorErrors.Of(request, errors));
        if (!await db.ChatClients.AnyAsync(c => c.Id == clientId, ct)) return new(EditResult.NotFound);

        var lifetime = TimeSpan.FromSeconds(request.Expires ?? CreateSessionRequest.DefaultExpires);
        var issued = await sessions.OpenAsync(clientId, request.Tag?.Trim(), request.ExtraContext, lifetime, ct);
        var talkUrl = $"{baseUrl}/chat/{issued.AccessKey}";
        return EditOutcome.Done(new ConsoleSession(issued.SessionId, talkUrl, issued.ExpiresAt, issued.Renewed, ContinuationCodes.QrCodeSvg(talkUrl)));
    }
}
