using Parley.Api;
using Parley.Integrations;

namespace Parley.OperatorConsole.Editors;

/// <summary>
/// The console's side of a chat client's Channels tab. Saves run the admin API's validator and then
/// <see cref="IntegrationStore"/>, so the tab and <c>/api/v1/web-chat-client/{id}/integrations</c> keep one set of rules.
/// </summary>
public sealed class IntegrationEditor(IntegrationStore store, RequestValidator validator)
{
    public async Task<List<IntegrationView>> ListAsync(Guid clientId, string baseUrl, CancellationToken ct) =>
        await store.ListAsync(clientId, baseUrl, ct) ?? [];

    /// <summary>Creates an integration, or replaces the settings of <paramref name="integrationId"/> (a blank secret keeps the stored one).</summary>
    public async Task<EditOutcome<IntegrationView>> SaveAsync(
        Guid clientId, Guid? integrationId, IntegrationRequest request, string baseUrl, CancellationToken ct)
    {
        if (await validator.ValidateAsync(request, ct) is { } errors) return EditOutcome.Invalid<IntegrationView>(EditorErrors.Of(request, errors));
        var outcome = integrationId is { } id
            ? await store.ReplaceAsync(clientId, id, request, baseUrl, ct)
            : await store.CreateAsync(clientId, request, baseUrl, ct);
        return outcome.Change switch
        {
            IntegrationChange.Done => EditOutcome.Done(outcome.View!),
            IntegrationChange.Invalid => EditOutcome.Invalid<IntegrationView>(
                [new FieldError(outcome.Field!, "Required", [], outcome.Message!)]),
            IntegrationChange.Rejected or IntegrationChange.Unavailable => new(EditResult.Refused, Refusal: outcome.Message),
            _ => new(EditResult.NotFound),
        };
    }

    public Task<bool> DeleteAsync(Guid clientId, Guid integrationId, string baseUrl, CancellationToken ct) =>
        store.DeleteAsync(clientId, integrationId, baseUrl, ct);

    public Task<int?> ReplayFailedAsync(Guid clientId, Guid integrationId, CancellationToken ct) =>
        store.ReplayFailedAsync(clientId, integrationId, ct);
}
