using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Api;
using Parley.Data;

namespace Parley.Integrations.WhatsApp;

/// <summary>
/// Where Z-API delivers what reaches the WhatsApp number ("on message received"). Z-API sends no header of Parley's,
/// so the URL carries the integration's webhook secret. A wrong secret gets the same 404 as an unknown integration, so
/// a guess learns nothing, not even that the integration exists. A message is stored in the inbox before the 200; the
/// channel worker answers it.
/// </summary>
public static class ZapiWebhook
{
    public static IEndpointRouteBuilder MapZapiWebhook(this IEndpointRouteBuilder app)
    {
        // Z-API calls it, not API clients: it stays out of the API document.
        app.MapPost("/webhooks/zapi/{integrationId:guid}/{secret}", Receive).ExcludeFromDescription();
        return app;
    }

    static async Task<Results<Ok, NotFound, ProblemHttpResult>> Receive(
        Guid integrationId, string secret, HttpRequest request, AppDb db, ChannelIntegrations integrations, ChannelInbox inbox,
        ZapiChannel channel, TimeProvider clock, CancellationToken ct)
    {
        var integration = await integrations.GetAsync(integrationId, db, ct);
        if (integration is not { Type: IntegrationType.Zapi } || !SameSecret(secret, integration.WebhookSecret)) return TypedResults.NotFound();

        ZapiReceived? payload;
        try
        {
            payload = await JsonSerializer.DeserializeAsync<ZapiReceived>(request.Body, JsonSerializerOptions.Web, ct);
        }
        catch (JsonException)
        {
            payload = null;
        }
        if (payload is null)
            return ApiProblem.Create(StatusCodes.Status400BadRequest, "invalid_request", "The body must be a Z-API webhook payload in JSON.");

        // The number people write to, for the wa.me links that continue a web conversation here.
        if (payload.ConnectedPhone is { Length: > 0 } phone && phone != integration.Address && phone.All(char.IsAsciiDigit))
        {
            await db.Integrations.Where(i => i.Id == integration.Id).ExecuteUpdateAsync(i => i.SetProperty(x => x.Address, phone), ct);
            integrations.Forget(integration.Id);
        }
        if (Read(payload, integration.Id, channel, clock.GetUtcNow().UtcDateTime) is { } inbound)
            await inbox.AcceptAsync(integration.Id, [inbound], ct);
        return TypedResults.Ok();
    }

    /// <summary>A message to answer or to note, or null for one the assistant has no business with.</summary>
    static Inbound? Read(ZapiReceived payload, Guid integrationId, ZapiChannel channel, DateTime now)
    {
        if (payload is not { Type: "ReceivedCallback", Phone: { Length: > 0 } chatId, MessageId: { Length: > 0 } messageId }) return null;
        // Only one person's own chat with the number: no groups, channels, broadcast lists or status replies. An edit
        // changes a message already answered; a message WhatsApp is still waiting for has no content yet.
        if (payload.IsGroup == true || payload.IsNewsletter == true || payload.Broadcast == true || payload.IsStatusReply == true
            || chatId.EndsWith("@broadcast", StringComparison.Ordinal) || payload.IsEdit == true || payload.WaitingMessage == true)
            return null;
        // A reaction or a notice (a missed call, a deleted message) is nothing to answer.
        if (Present(payload.Reaction) || Present(payload.Notification)) return null;

        var sentAt = payload.Momment is { } ms and > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime : now;
        var text = payload.Text?.Message;
        if (payload.FromMe == true)
        {
            // With "notify sent by me" on, Parley's own answers come back too; anything else was written by a person of
            // the business on the phone (or WhatsApp Web), who takes the chat over for a while.
            return payload.FromApi == true || channel.SentByParley(integrationId, messageId)
                ? null
                : new Inbound(chatId, messageId, InboundKind.Operator, text, sentAt);
        }
        return new Inbound(chatId, messageId, text is null ? InboundKind.Unsupported : InboundKind.Text, text, sentAt, payload.SenderName);
    }

    static bool Present(JsonElement element) => element.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null);

    static bool SameSecret(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
}
