using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Admin;
using Parley.Data;

namespace Parley.Gateways;

/// <summary>
/// OpenAI's model list, whose models are this Parley's gateways: what OpenAI SDKs and tools (model pickers, health
/// checks) ask before they send a completion to <see cref="CompletionsRelay"/>.
/// </summary>
public static class ModelList
{
    public static IEndpointRouteBuilder MapModelList(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/v1/models")
            .WithTags("OpenAI-compatible")
            .RequireAuthorization(AdminKeyAuthentication.Policy);

        models.MapGet("/", ListModels);
        models.MapGet("/{id}", GetModel);
        return app;
    }

    static async Task<Ok<ModelListView>> ListModels(AppDb db, CancellationToken ct)
    {
        var gateways = await db.Gateways.AsNoTracking().OrderBy(g => g.CreatedAt).Select(g => new { g.Id, g.Name, g.CreatedAt }).ToListAsync(ct);
        return TypedResults.Ok(new ModelListView("list", [.. gateways.Select(g => ModelView.Of(g.Id, g.Name, g.CreatedAt))]));
    }

    static async Task<Results<Ok<ModelView>, ProblemHttpResult>> GetModel(string id, AppDb db, CancellationToken ct)
    {
        var gateway = Guid.TryParse(id, out var gatewayId)
            ? await db.Gateways.AsNoTracking().Where(g => g.Id == gatewayId).Select(g => new { g.Id, g.Name, g.CreatedAt }).SingleOrDefaultAsync(ct)
            : null;
        return gateway is null ? OpenAiErrors.ModelNotFound(id) : TypedResults.Ok(ModelView.Of(gateway.Id, gateway.Name, gateway.CreatedAt));
    }
}

public sealed record ModelListView([property: JsonPropertyName("object")] string Kind, IReadOnlyList<ModelView> Data);

/// <summary>A gateway as an OpenAI model: its id is the <c>model</c> to send; <c>name</c> is Parley's addition.</summary>
public sealed record ModelView(string Id, [property: JsonPropertyName("object")] string Kind, long Created, [property: JsonPropertyName("owned_by")] string OwnedBy, string Name)
{
    // Parley stores UTC only; the kind is said explicitly so an unspecified one is never read as local time.
    public static ModelView Of(Guid id, string name, DateTime createdAt) =>
        new(id.ToString(), "model", new DateTimeOffset(DateTime.SpecifyKind(createdAt, DateTimeKind.Utc)).ToUnixTimeSeconds(), "parley", name);
}
