using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Admin;
using Parley.Api;
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
        Guid clientId, IntegrationRequest request, HttpRequest http, IntegrationStore store, PublicUrls urls, CancellationToken ct)
    {
        var outcome = await store.CreateAsync(clientId, request, urls.Base(http), ct);
        return outcome.View is { } view
            ? TypedResults.Created($"/api/v1/web-chat-client/{clientId}/integrations/{view.Id}", Envelope.Of(view, "The integration was created."))
            : Problem(outcome);
    }

    static async Task<Results<Ok<Envelope<List<IntegrationView>>>, ProblemHttpResult>> ListIntegrations(
        Guid clientId, HttpRequest http, IntegrationStore store, PublicUrls urls, CancellationToken ct) =>
        await store.ListAsync(clientId, urls.Base(http), ct) is { } views
            ? TypedResults.Ok(Envelope.Of(views))
            : ApiProblem.NotFound("The chat client");

    static async Task<Results<Ok<Envelope<IntegrationView>>, ProblemHttpResult>> GetIntegration(
        Guid clientId, Guid integrationId, HttpRequest http, IntegrationStore store, PublicUrls urls, CancellationToken ct) =>
        await store.GetAsync(clientId, integrationId, urls.Base(http), ct) is { } view
            ? TypedResults.Ok(Envelope.Of(view))
            : ApiProblem.NotFound("The integration");

    /// <summary>Replaces the settings; a secret left out keeps the one stored.</summary>
    static async Task<Results<Ok<Envelope<IntegrationView>>, ProblemHttpResult>> ReplaceIntegration(
        Guid clientId, Guid integrationId, IntegrationRequest request, HttpRequest http, IntegrationStore store, PublicUrls urls,
        CancellationToken ct)
    {
        var outcome = await store.ReplaceAsync(clientId, integrationId, request, urls.Base(http), ct);
        return outcome.View is { } view ? TypedResults.Ok(Envelope.Of(view, "The integration was updated.")) : Problem(outcome);
    }

    static async Task<Results<Ok<Envelope<object?>>, ProblemHttpResult>> DeleteIntegration(
        Guid clientId, Guid integrationId, HttpRequest http, IntegrationStore store, PublicUrls urls, CancellationToken ct) =>
        await store.DeleteAsync(clientId, integrationId, urls.Base(http), ct)
            ? TypedResults.Ok(Envelope.Of<object?>(null, "The integration was deleted."))
            : ApiProblem.NotFound("The integration");

    /// <summary>Puts the updates that failed back in line: unanswered ones are answered, answered ones sent again.</summary>
    static async Task<Results<Ok<Envelope<ReplayView>>, ProblemHttpResult>> ReplayFailed(
        Guid clientId, Guid integrationId, IntegrationStore store, CancellationToken ct) =>
        await store.ReplayFailedAsync(clientId, integrationId, ct) is { } replayed
            ? TypedResults.Ok(Envelope.Of(new ReplayView(replayed), $"{replayed} update(s) will be tried again."))
            : ApiProblem.NotFound("The integration");

    /// <summary>The chat app refused the settings (400 channel_rejected) or could not be reached (502 channel_unavailable).</summary>
    static ProblemHttpResult Problem(IntegrationOutcome outcome) => outcome.Change switch
    {
        IntegrationChange.ClientNotFound => ApiProblem.NotFound("The chat client"),
        IntegrationChange.NotFound => ApiProblem.NotFound("The integration"),
        IntegrationChange.Invalid => ApiProblem.Invalid(outcome.Field!, outcome.Message!),
        IntegrationChange.Rejected => ApiProblem.Create(StatusCodes.Status400BadRequest, "channel_rejected", outcome.Message!),
        _ => ApiProblem.Create(StatusCodes.Status502BadGateway, "channel_unavailable", outcome.Message!),
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

    /// <summary>The first secret a new integration of this type needs and was not given, with the rule in words.</summary>
    public (string Field, string Message)? MissingSecret(IntegrationSecrets secrets)
    {
        string[] missing = Type == IntegrationType.Telegram
            ? secrets.BotToken is null ? ["botToken"] : []
            : [.. new[] { ("instanceId", secrets.InstanceId), ("instanceToken", secrets.InstanceToken), ("clientToken", secrets.ClientToken) }
                .Where(s => s.Item2 is null).Select(s => s.Item1)];
        return missing.Length == 0 ? null : (missing[0], $"The {missing[0]} field is required for a {(Type == IntegrationType.Telegram ? "Telegram" : "Z-API")} integration.");
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
