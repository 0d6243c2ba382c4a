using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Admin;
using Parley.Api;
using Parley.Conversations;
using Parley.Data;

namespace Parley.ChatClients;

public static class ChatClientEndpoints
{
    public static IEndpointRouteBuilder MapChatClientEndpoints(this IEndpointRouteBuilder app)
    {
        var clients = app.MapGroup("/api/v1/web-chat-client")
            .WithTags("Chat clients")
            .RequireAuthorization(AdminKeyAuthentication.Policy);

        clients.MapPost("/", CreateClient);
        clients.MapGet("/", ListClients);
        clients.MapGet("/{id:guid}", GetClient);
        clients.MapPut("/{id:guid}", ReplaceClient);
        clients.MapDelete("/{id:guid}", DeleteClient);
        return app;
    }

    static async Task<Results<Created<Envelope<ChatClientView>>, ProblemHttpResult>> CreateClient(
        ChatClientRequest request, ChatClientStore store, TokenCounter tokens, CancellationToken ct)
    {
        var outcome = await store.CreateAsync(request, ct);
        if (outcome.Change is ChatClientChange.UnknownGateway) return UnknownGateway();
        var client = outcome.Client!;
        return TypedResults.Created($"/api/v1/web-chat-client/{client.Id}",
            Envelope.Of(ChatClientView.Of(client, tokens, outcome.Model!), "The chat client was created."));
    }

    static async Task<Ok<Envelope<List<ChatClientView>>>> ListClients(AppDb db, TokenCounter tokens, CancellationToken ct)
    {
        var rows = await db.ChatClients.AsNoTracking()
            .Join(db.Gateways, c => c.AiGatewayId, g => g.Id, (c, g) => new { Client = c, g.Parameters })
            .ToListAsync(ct);
        return TypedResults.Ok(Envelope.Of(rows
            .OrderBy(r => r.Client.CreatedAt)
            .Select(r => ChatClientView.Of(r.Client, tokens, r.Parameters.ModelName)).ToList()));
    }

    static async Task<Results<Ok<Envelope<ChatClientView>>, ProblemHttpResult>> GetClient(Guid id, AppDb db, TokenCounter tokens, CancellationToken ct)
    {
        var client = await db.ChatClients.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, ct);
        if (client is null) return ApiProblem.NotFound("The chat client");
        var model = await GatewayModelAsync(db, client.AiGatewayId, ct) ?? "";
        return TypedResults.Ok(Envelope.Of(ChatClientView.Of(client, tokens, model)));
    }

    static async Task<Results<Ok<Envelope<ChatClientView>>, ProblemHttpResult>> ReplaceClient(
        Guid id, ChatClientRequest request, ChatClientStore store, TokenCounter tokens, CancellationToken ct)
    {
        var outcome = await store.ReplaceAsync(id, request, ct);
        return outcome.Change switch
        {
            ChatClientChange.NotFound => ApiProblem.NotFound("The chat client"),
            ChatClientChange.UnknownGateway => UnknownGateway(),
            _ => TypedResults.Ok(Envelope.Of(ChatClientView.Of(outcome.Client!, tokens, outcome.Model!), "The chat client was updated.")),
        };
    }

    static async Task<Results<Ok<Envelope<object?>>, ProblemHttpResult>> DeleteClient(Guid id, ChatClientStore store, CancellationToken ct) =>
        await store.DeleteAsync(id, ct) ? TypedResults.Ok(Envelope.Of<object?>(null, "The chat client was deleted.")) : ApiProblem.NotFound("The chat client");

    static async Task<string?> GatewayModelAsync(AppDb db, Guid gatewayId, CancellationToken ct) =>
        (await db.Gateways.Where(g => g.Id == gatewayId).Select(g => g.Parameters).SingleOrDefaultAsync(ct))?.ModelName;

    static ProblemHttpResult UnknownGateway() =>
        ApiProblem.Invalid("aiGatewayId", ChatClientStore.UnknownGatewayMessage);
}

public sealed record ChatClientRequest(
    [property: Required(ErrorMessage = "The name field is required."), StringLength(200, MinimumLength = 1)] string Name,
    Guid AiGatewayId,
    ClientParameters? ClientParameters = null,
    LimitingParameters? LimitingParameters = null);

public sealed record ChatClientView(
    Guid Id, string Name, Guid AiGatewayId, ClientParameters ClientParameters, LimitingParameters LimitingParameters,
    LimitsApplied LimitsApplied, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static ChatClientView Of(ChatClient c, TokenCounter tokens, string model) => new(
        c.Id, c.Name, c.AiGatewayId, c.ClientParameters, c.LimitingParameters,
        LimitsApplied.For(c.LimitingParameters, tokens, model), c.CreatedAt, c.UpdatedAt);
}

/// <summary>Says which limits Parley can enforce: token limits need the model's tokenizer.</summary>
public sealed record LimitsApplied(bool UserInputMaxTokens, string? Note)
{
    public static LimitsApplied For(LimitingParameters limits, TokenCounter tokens, string model)
    {
        if (limits.UserInputMaxTokens is null) return new(false, null);
        return tokens.ForModel(model) is null
            ? new(false, $"userInputMaxTokens is not enforced: Parley does not know the tokenizer of model '{model}'.")
            : new(true, null);
    }
}
