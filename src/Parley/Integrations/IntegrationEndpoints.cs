using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Admin;
using Parley.Api;
using Parley.Data;
using Parley.Hosting;

namespace Parley.Integrations;

/// <summary>A chat client's integrations with chat apps: Telegram bots and WhatsApp numbers through Z-API.</summary>
public static class IntegrationEndpoints
{
    public static IEndpointRouteBuilder MapIntegrationEndpoints(this IEndpointRouteBuilder app)
    {
        var integrations = app.MapGroup("/api/v1/web-chat-client/{clientId:guid}/integrations")
            .WithTags("Integrations")
            .RequireAuthorization(AdminKeyAuthentication.Policy);

        // The chat app refused the settings (400 channel_rejected) or could not be reached (502 channel_unavailable).
        integrations.MapPost("/", CreateIntegration).ProducesProblem(StatusCodes.Status502BadGateway);
        integrations.MapGet("/", ListIntegrations);
        integrations.MapGet("/{integrationId:guid}", GetIntegration);
        integrations.MapPut("/{integrationId:guid}", ReplaceIntegration).ProducesProblem(StatusCodes.Status502BadGateway);
        integrations.MapDelete("/{integrationId:guid}", DeleteIntegration);
        integrations.MapPost("/{integrationId:guid}/replay", ReplayFailed);
        return app;
    }

    static async Task<Results<Created<Envelope<IntegrationView>>, ProblemHttpResult>> CreateIntegration(
        Guid clientId, IntegrationRequest request, HttpRequest http, AppDb db, ChannelIntegrations integrations, PublicUrls urls,
        TimeProvider clock, CancellationToken ct)
    {
        if (!await db.ChatClients.AnyAsync(c => c.Id == clientId, ct)) return ApiProblem.NotFound("The chat client");
        var secrets = request.Secrets(previous: null);
        if (request.MissingSecret(secrets) is { } missing) return missing;

        var now = clock.GetUtcNow().UtcDateTime;
        var integration = new Integration
        {
            ChatClientId = clientId,
            Type = request.Type!.Value,
            Settings = request.Settings(),
            ProtectedSecrets = integrations.Protect(secrets),
            SecretHints = ChannelIntegrations.Hints(secrets),
            WebhookSecret = ChannelIntegrations.NewWebhookSecret(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        var webhookUrl = WebhookUrl(integration, urls.Base(http));
        if (await ConnectAsync(integration, integrations.Open(integration, webhookUrl), integrations, now, ct) is { } refused) return refused;

        db.Integrations.Add(integration);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/web-chat-client/{clientId}/integrations/{integration.Id}",
            Envelope.Of(IntegrationView.Of(integration, webhookUrl), "The integration was created."));
    }

    static async Task<Results<Ok<Envelope<List<IntegrationView>>>, ProblemHttpResult>> ListIntegrations(
        Guid clientId, HttpRequest http, AppDb db, PublicUrls urls, CancellationToken ct)
    {
        if (!await db.ChatClients.AnyAsync(c => c.Id == clientId, ct)) return ApiProblem.NotFound("The chat client");
        var stored = await db.Integrations.AsNoTracking().Where(i => i.ChatClientId == clientId).OrderBy(i => i.CreatedAt).ToListAsync(ct);
        var baseUrl = urls.Base(http);
        return TypedResults.Ok(Envelope.Of(stored.Select(i => IntegrationView.Of(i, WebhookUrl(i, baseUrl))).ToList()));
    }

    static async Task<Results<Ok<Envelope<IntegrationView>>, ProblemHttpResult>> GetIntegration(
        Guid clientId, Guid integrationId, HttpRequest http, AppDb db, PublicUrls urls, CancellationToken ct)
    {
        var integration = await db.Integrations.AsNoTracking().SingleOrDefaultAsync(i => i.Id == integrationId && i.ChatClientId == clientId, ct);
        return integration is null
            ? ApiProblem.NotFound("The integration")
            : TypedResults.Ok(Envelope.Of(IntegrationView.Of(integration, WebhookUrl(integration, urls.Base(http)))));
    }

    /// <summary>Replaces the settings; a secret left out keeps the one stored.</summary>
    static async Task<Results<Ok<Envelope<IntegrationView>>, ProblemHttpResult>> ReplaceIntegration(
        Guid clientId, Guid integrationId, IntegrationRequest request, HttpRequest http, AppDb db, ChannelIntegrations integrations,
        PublicUrls urls, TimeProvider clock, CancellationToken ct)
    {
        var integration = await db.Integrations.SingleOrDefaultAsync(i => i.Id == integrationId && i.ChatClientId == clientId, ct);
        if (integration is null) return ApiProblem.NotFound("The integration");
        if (request.Type != integration.Type)
            return ApiProblem.Invalid("type", "The type field cannot change; delete the integration and create another.");

        var secrets = request.Secrets(previous: integrations.Unprotect(integration.ProtectedSecrets));
        var now = clock.GetUtcNow().UtcDateTime;
        integration.Settings = request.Settings();
        integration.ProtectedSecrets = integrations.Protect(secrets);
        integration.SecretHints = ChannelIntegrations.Hints(secrets);
        integration.UpdatedAt = now;
        var webhookUrl = WebhookUrl(integration, urls.Base(http));
        if (await ConnectAsync(integration, integrations.Open(integration, webhookUrl), integrations, now, ct) is { } refused) return refused;

        await db.SaveChangesAsync(ct);
        integrations.Forget(integrationId);
        return TypedResults.Ok(Envelope.Of(IntegrationView.Of(integration, webhookUrl), "The integration was updated."));
    }

    static async Task<Results<Ok<Envelope<object?>>, ProblemHttpResult>> DeleteIntegration(
        Guid clientId, Guid integrationId, HttpRequest http, AppDb db, ChannelIntegrations integrations, PublicUrls urls,
        ILogger<Integration> logger, CancellationToken ct)
    {
        var integration = await db.Integrations.AsNoTracking().SingleOrDefaultAsync(i => i.Id == integrationId && i.ChatClientId == clientId, ct);
        if (integration is null) return ApiProblem.NotFound("The integration");
        try
        {
            var open = integrations.Open(integration, WebhookUrl(integration, urls.Base(http)));
            await integrations.ChannelFor(integration.Type).DisconnectAsync(open, ct);
        }
        catch (ChannelException ex)
        {
            // Deleting must work even when the app is down or the token was revoked; the webhook then just fails there.
            IntegrationLog.DisconnectFailed(logger, integration.Id, ex.Message);
        }
        await db.Integrations.Where(i => i.Id == integrationId).ExecuteDeleteAsync(ct);
        integrations.Forget(integrationId);
        return TypedResults.Ok(Envelope.Of<object?>(null, "The integration was deleted."));
    }

    /// <summary>Puts the updates that failed back in line: unanswered ones are answered, answered ones sent again.</summary>
    static async Task<Results<Ok<Envelope<ReplayView>>, ProblemHttpResult>> ReplayFailed(
        Guid clientId, Guid integrationId, AppDb db, ChannelInbox inbox, TimeProvider clock, CancellationToken ct)
    {
        if (!await db.Integrations.AnyAsync(i => i.Id == integrationId && i.ChatClientId == clientId, ct)) return ApiProblem.NotFound("The integration");
        var now = clock.GetUtcNow().UtcDateTime;
        var replayed = await db.InboundMessages
            .Where(m => m.IntegrationId == integrationId && m.Status == InboundStatus.Failed)
            .ExecuteUpdateAsync(m => m
                .SetProperty(x => x.Status, x => x.Outgoing == null ? InboundStatus.Pending : InboundStatus.Delivering)
                .SetProperty(x => x.Attempts, 0)
                .SetProperty(x => x.NextAttemptAt, now), ct);
        inbox.Wake();
        return TypedResults.Ok(Envelope.Of(new ReplayView(replayed), $"{replayed} update(s) will be tried again."));
    }

    /// <summary>Asks the chat app to deliver to Parley; a refusal keeps nothing and says why.</summary>
    static async Task<ProblemHttpResult?> ConnectAsync(
        Integration integration, ChannelIntegration open, ChannelIntegrations integrations, DateTime now, CancellationToken ct)
    {
        try
        {
            var connection = await integrations.ChannelFor(integration.Type).ConnectAsync(open, ct);
            integration.Address = connection.Address ?? integration.Address;
            integration.Status = connection.Status;
            integration.StatusAt = now;
            return null;
        }
        catch (ChannelException ex) when (ex.Permanent)
        {
            return ApiProblem.Create(StatusCodes.Status400BadRequest, "channel_rejected", ex.Message);
        }
        catch (ChannelException ex)
        {
            return ApiProblem.Create(StatusCodes.Status502BadGateway, "channel_unavailable", ex.Message);
        }
    }

    /// <summary>
    /// Where the chat app delivers: Telegram's calls carry the secret in a header, Z-API's cannot, so its URL holds it
    /// and is complete as shown.
    /// </summary>
    public static string WebhookUrl(Integration integration, string baseUrl) => integration.Type switch
    {
        IntegrationType.Telegram => $"{baseUrl}/webhooks/telegram/{integration.Id}",
        _ => $"{baseUrl}/webhooks/zapi/{integration.Id}/{integration.WebhookSecret}",
    };
}

public sealed record IntegrationRequest(
    [property: Required(ErrorMessage = "The type field is required: \"telegram\" or \"zapi\".")] IntegrationType? Type,
    [property: StringLength(200)] string? BotToken = null,
    [property: RegularExpression("^(webhook|polling)$", ErrorMessage = "The mode field must be \"webhook\" or \"polling\".")] string? Mode = null,
    [property: StringLength(200)] string? InstanceId = null,
    [property: StringLength(200)] string? InstanceToken = null,
    [property: StringLength(200)] string? ClientToken = null,
    [property: HttpUrl, StringLength(2000)] string? ApiBaseAddress = null,
    [property: Range(5, 43_200)] int? SessionDurationMinutes = null,
    [property: Range(0, 60_000)] int? DebounceMilliseconds = null,
    bool? AllowGroups = null,
    [property: Range(0, 10_080)] int? TakeoverMinutes = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Type == IntegrationType.Zapi && Mode is not null)
            yield return new ValidationResult("The mode field is for Telegram; Z-API always calls Parley's webhook.", [nameof(Mode)]);
        if (Type == IntegrationType.Zapi && AllowGroups is not null)
            yield return new ValidationResult("The allowGroups field is for Telegram.", [nameof(AllowGroups)]);
        if (Type == IntegrationType.Telegram && (InstanceId ?? InstanceToken ?? ClientToken) is not null)
            yield return new ValidationResult("The instanceId, instanceToken and clientToken fields are for Z-API.", [nameof(InstanceId)]);
        if (Type == IntegrationType.Zapi && BotToken is not null)
            yield return new ValidationResult("The botToken field is for Telegram.", [nameof(BotToken)]);
    }

    public IntegrationSettings Settings()
    {
        var defaults = new IntegrationSettings();
        return new IntegrationSettings
        {
            Mode = Type == IntegrationType.Telegram ? Mode ?? "webhook" : null,
            ApiBaseAddress = string.IsNullOrWhiteSpace(ApiBaseAddress) ? null : ApiBaseAddress.TrimEnd('/'),
            SessionDurationMinutes = SessionDurationMinutes ?? defaults.SessionDurationMinutes,
            DebounceMilliseconds = DebounceMilliseconds ?? defaults.DebounceMilliseconds,
            AllowGroups = AllowGroups ?? false,
            TakeoverMinutes = TakeoverMinutes ?? defaults.TakeoverMinutes,
        };
    }

    /// <summary>The secrets sent, each one left out taken from <paramref name="previous"/>.</summary>
    public IntegrationSecrets Secrets(IntegrationSecrets? previous) => new(
        Clean(BotToken) ?? previous?.BotToken,
        Clean(InstanceId) ?? previous?.InstanceId,
        Clean(InstanceToken) ?? previous?.InstanceToken,
        Clean(ClientToken) ?? previous?.ClientToken);

    public ProblemHttpResult? MissingSecret(IntegrationSecrets secrets)
    {
        string[] missing = Type == IntegrationType.Telegram
            ? secrets.BotToken is null ? ["botToken"] : []
            : [.. new[] { ("instanceId", secrets.InstanceId), ("instanceToken", secrets.InstanceToken), ("clientToken", secrets.ClientToken) }
                .Where(s => s.Item2 is null).Select(s => s.Item1)];
        return missing.Length == 0 ? null : ApiProblem.Invalid(missing[0], $"The {missing[0]} field is required for a {(Type == IntegrationType.Telegram ? "Telegram" : "Z-API")} integration.");
    }

    static string? Clean(string? secret) => string.IsNullOrWhiteSpace(secret) ? null : secret.Trim();
}

/// <summary>An integration as the admin API shows it: secrets masked, and the webhook URL to paste where the app asks.</summary>
public sealed record IntegrationView(
    Guid Id, IntegrationType Type, string WebhookUrl, string? Mode, string? ApiBaseAddress, int SessionDurationMinutes,
    int DebounceMilliseconds, bool AllowGroups, int TakeoverMinutes, string? BotToken, string? InstanceId, string? InstanceToken,
    string? ClientToken, string? Address, string? Status, DateTime? StatusAt, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static IntegrationView Of(Integration i, string webhookUrl) => new(
        i.Id, i.Type, webhookUrl, i.Settings.Mode, i.Settings.ApiBaseAddress, i.Settings.SessionDurationMinutes, i.Settings.DebounceMilliseconds,
        i.Settings.AllowGroups, i.Settings.TakeoverMinutes, i.SecretHints.BotToken, i.SecretHints.InstanceId, i.SecretHints.InstanceToken,
        i.SecretHints.ClientToken, i.Address, i.Status, i.StatusAt, i.CreatedAt, i.UpdatedAt);
}

public sealed record ReplayView(int Replayed);

static partial class IntegrationLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Integration {IntegrationId} could not be disconnected from its chat app: {Reason}")]
    public static partial void DisconnectFailed(ILogger logger, Guid integrationId, string reason);
}
