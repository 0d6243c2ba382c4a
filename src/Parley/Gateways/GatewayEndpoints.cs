using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Admin;
using Parley.Api;
using Parley.Data;
using Parley.Research;

namespace Parley.Gateways;

public static class GatewayEndpoints
{
    public const string InUseCode = "gateway_in_use";

    public static IEndpointRouteBuilder MapGatewayEndpoints(this IEndpointRouteBuilder app)
    {
        var gateways = app.MapGroup("/api/v1/ai-gateways")
            .WithTags("AI gateways")
            .RequireAuthorization(AdminKeyAuthentication.Policy);

        gateways.MapPost("/", CreateGateway);
        gateways.MapGet("/", ListGateways);
        gateways.MapGet("/{id:guid}", GetGateway);
        gateways.MapPatch("/{id:guid}", PatchGateway).ProducesProblem(StatusCodes.Status409Conflict);
        gateways.MapDelete("/{id:guid}", DeleteGateway).ProducesProblem(StatusCodes.Status409Conflict);
        gateways.MapPost("/{id:guid}/inference", InferenceEndpoint.Stream);
        return app;
    }

    static async Task<Created<Envelope<GatewayView>>> CreateGateway(GatewayRequest request, GatewayStore store, CancellationToken ct)
    {
        var gateway = await store.CreateAsync(request, ct);
        return TypedResults.Created($"/api/v1/ai-gateways/{gateway.Id}", Envelope.Of(GatewayView.Of(gateway), "The AI gateway was created."));
    }

    static async Task<Ok<Envelope<List<GatewayView>>>> ListGateways(AppDb db, CancellationToken ct)
    {
        var gateways = await db.Gateways.AsNoTracking().OrderBy(g => g.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(Envelope.Of(gateways.Select(GatewayView.Of).ToList()));
    }

    static async Task<Results<Ok<Envelope<GatewayView>>, ProblemHttpResult>> GetGateway(Guid id, AppDb db, CancellationToken ct)
    {
        var gateway = await db.Gateways.AsNoTracking().SingleOrDefaultAsync(g => g.Id == id, ct);
        return gateway is null ? ApiProblem.NotFound("The AI gateway") : TypedResults.Ok(Envelope.Of(GatewayView.Of(gateway)));
    }

    /// <summary>
    /// A JSON merge patch (RFC 7386) over the gateway; an absent apiKey (or webSearch.apiKey) keeps the stored key, null
    /// removes it.
    /// </summary>
    static async Task<Results<Ok<Envelope<GatewayView>>, ProblemHttpResult, ValidationProblem>> PatchGateway(
        Guid id, JsonElement patch, AppDb db, GatewayStore store, RequestValidator validator, IOptions<JsonOptions> json, CancellationToken ct)
    {
        if (patch.ValueKind != JsonValueKind.Object) return ApiProblem.Invalid(RequestErrors.Body, "The patch must be a JSON object.");
        var gateway = await db.Gateways.AsNoTracking().SingleOrDefaultAsync(g => g.Id == id, ct);
        if (gateway is null) return ApiProblem.NotFound("The AI gateway");

        var options = json.Value.SerializerOptions;
        var changes = JsonObject.Create(patch)!;
        var current = JsonSerializer.SerializeToNode(new GatewayRequest(gateway.Name, gateway.Parameters), options);
        GatewayRequest? merged;
        try
        {
            merged = JsonMergePatch.Apply(current, changes).Deserialize<GatewayRequest>(options);
        }
        catch (JsonException ex)
        {
            var error = RequestErrors.FromJson(ex, typeof(GatewayRequest), options);
            return ApiProblem.Invalid(error.Field, error.Rule);
        }
        if (merged is null) return ApiProblem.Invalid(RequestErrors.Body, "The patch must be a JSON object.");
        // The stored parameters hold no search key, so a merged null means "keep it" unless the patch itself said null.
        if (merged.Parameters.WebSearch is { ApiKey: null } search && changes["parameters"]?["webSearch"] is JsonObject searchChanges
            && searchChanges.ContainsKey("apiKey"))
            merged = merged with { Parameters = merged.Parameters with { WebSearch = search with { ApiKey = "" } } };
        if (await validator.ValidateAsync(merged, ct) is { } errors) return TypedResults.ValidationProblem(errors);

        var setKey = changes["parameters"] is JsonObject parameters && parameters.ContainsKey("apiKey");
        var outcome = await store.UpdateAsync(id, merged, setKey, gateway.Revision, ct);
        return outcome.Change switch
        {
            GatewayChange.Done => TypedResults.Ok(Envelope.Of(GatewayView.Of(outcome.Gateway!), "The AI gateway was updated.")),
            GatewayChange.NotFound => ApiProblem.NotFound("The AI gateway"),
            _ => ApiProblem.Create(StatusCodes.Status409Conflict, "edit_conflict",
                "The AI gateway was changed by another request at the same time. Read it again and reapply your change."),
        };
    }

    static async Task<Results<Ok<Envelope<object?>>, ProblemHttpResult>> DeleteGateway(Guid id, GatewayStore store, CancellationToken ct)
    {
        var outcome = await store.DeleteAsync(id, ct);
        return outcome.Change switch
        {
            GatewayChange.NotFound => ApiProblem.NotFound("The AI gateway"),
            // The clients are named, so the caller knows which to move without a second request.
            GatewayChange.InUse => ApiProblem.Create(StatusCodes.Status409Conflict, InUseCode,
                $"The AI gateway is used by the chat client(s) {string.Join(", ", outcome.Users!.Select(u => $"\"{u.Name}\""))}; "
                + "delete them or move them to another gateway first.",
                new Dictionary<string, object?> { ["chatClients"] = outcome.Users }),
            _ => TypedResults.Ok(Envelope.Of<object?>(null, "The AI gateway was deleted.")),
        };
    }
}

public sealed record GatewayRequest(
    [property: Required(ErrorMessage = "The name field is required."), StringLength(200, MinimumLength = 1)] string Name,
    [property: Required(ErrorMessage = "The parameters field is required.")] GatewayParameters Parameters);

public sealed record GatewayView(Guid Id, string Name, GatewayParameters Parameters, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static GatewayView Of(AiGateway g) =>
        new(g.Id, g.Name, g.Parameters.WithHints(g.ApiKeyHint, g.SearchKeyHint) with { McpServers = McpServerSecrets.Masked(g.Parameters.McpServers) },
            g.CreatedAt, g.UpdatedAt);
}
