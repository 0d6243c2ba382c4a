using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Admin;
using Parley.Api;
using Parley.Data;
using Telegram.Bot;
using Telegram.Bot.Types;

namespace Parley.Integrations.Telegram;

/// <summary>
/// Where Telegram delivers a bot's updates in webhook mode. The update is stored before the 200, so one Parley loses
/// none; the reply is written in the background by the channel worker, so Telegram never waits for the model.
/// </summary>
public static class TelegramWebhook
{
    /// <summary>Telegram sends back the secret_token given to setWebhook in this header: proof the call is Telegram's.</summary>
    public const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";

    public static async Task<Results<Ok, ProblemHttpResult>> ReceiveAsync(
        Guid integrationId, HttpContext http, AppDb db, ChannelIntegrations integrations, ChannelInbox inbox, CancellationToken ct)
    {
        if (await integrations.GetAsync(integrationId, db, ct) is not { Type: IntegrationType.Telegram } integration)
            return ApiProblem.NotFound("The integration");
        if (!SameSecret(http.Request.Headers[SecretHeader].ToString(), integration.WebhookSecret))
        {
            http.RequestServices.GetRequiredService<FailedAuthentications>().Record(http, "Telegram webhook secret");
            return ApiProblem.Create(StatusCodes.Status401Unauthorized, "unauthorized", $"The {SecretHeader} header is missing or wrong.");
        }

        Update? update;
        try
        {
            update = await JsonSerializer.DeserializeAsync<Update>(http.Request.Body, JsonBotAPI.Options, ct);
        }
        catch (JsonException)
        {
            update = null;
        }
        if (update is null) return ApiProblem.Create(StatusCodes.Status400BadRequest, "invalid_request", "The body is not a Telegram update.");

        if (TelegramInbound.From(update, integration.Settings) is { } inbound) await inbox.AcceptAsync(integration.Id, [inbound], ct);
        return TypedResults.Ok();
    }

    static bool SameSecret(string sent, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(expected));
}
