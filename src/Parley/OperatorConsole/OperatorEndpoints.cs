using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Admin;
using Parley.Api;
using Parley.Hosting;

namespace Parley.OperatorConsole;

/// <summary>An invitation as the API hands it out: the link to send, and until when it works.</summary>
public sealed record InvitationView(string Url, DateTime ExpiresAt);

/// <summary>Operator accounts through the admin API; the console's Operators page does the same through <see cref="OperatorAccounts"/>.</summary>
public static class OperatorEndpoints
{
    public static IEndpointRouteBuilder MapOperatorEndpoints(this IEndpointRouteBuilder app)
    {
        var operators = app.MapGroup("/api/v1/operators")
            .WithTags("Operators")
            .RequireAuthorization(AdminKeyAuthentication.Policy);

        operators.MapGet("/", List);
        operators.MapPost("/", Create);
        operators.MapGet("/{id:guid}", Get);
        operators.MapPut("/{id:guid}", Change);
        operators.MapPost("/{id:guid}/password", SetPassword);
        operators.MapPost("/{id:guid}/invitation", Invite);
        operators.MapDelete("/{id:guid}", Delete);
        return app;
    }

    static async Task<Ok<Envelope<IReadOnlyList<OperatorView>>>> List(OperatorAccounts accounts, CancellationToken ct) =>
        TypedResults.Ok(Envelope.Of(await accounts.ListAsync(ct)));

    static async Task<Results<Created<Envelope<OperatorView>>, ValidationProblem>> Create(NewOperator request, OperatorAccounts accounts)
    {
        var outcome = await accounts.CreateAsync(request);
        return outcome.Account is { } account
            ? TypedResults.Created($"/api/v1/operators/{account.Id}", Envelope.Of(account, "The operator was created."))
            : TypedResults.ValidationProblem(outcome.ErrorsByField());
    }

    static async Task<Results<Ok<Envelope<OperatorView>>, ProblemHttpResult>> Get(Guid id, OperatorAccounts accounts) =>
        await accounts.FindAsync(id) is { } account ? TypedResults.Ok(Envelope.Of(account)) : ApiProblem.NotFound("The operator");

    /// <summary>Display name, role and whether the account is disabled; a change ends the operator's open console sessions.</summary>
    static async Task<Results<Ok<Envelope<OperatorView>>, ProblemHttpResult, ValidationProblem>> Change(
        Guid id, OperatorChange change, OperatorAccounts accounts) =>
        Answer(await accounts.ChangeAsync(id, change), "The operator was updated.");

    static async Task<Results<Ok<Envelope<OperatorView>>, ProblemHttpResult, ValidationProblem>> SetPassword(
        Guid id, NewPassword request, OperatorAccounts accounts) =>
        Answer(await accounts.SetPasswordAsync(id, request), "The password was changed.");

    /// <summary>A change to an existing account: 404 when it is gone, the rules broken, or the account as it is now.</summary>
    static Results<Ok<Envelope<OperatorView>>, ProblemHttpResult, ValidationProblem> Answer(AccountOutcome outcome, string done) =>
        outcome.NotFound ? ApiProblem.NotFound("The operator")
        : outcome.Account is { } account ? TypedResults.Ok(Envelope.Of(account, done))
        : TypedResults.ValidationProblem(outcome.ErrorsByField());

    /// <summary>A link for the person to choose their own password and sign in; it works once, for seven days.</summary>
    static async Task<Results<Ok<Envelope<InvitationView>>, ProblemHttpResult>> Invite(Guid id, OperatorAccounts accounts, PublicUrls urls, HttpRequest http) =>
        await accounts.InviteAsync(id) is { } invitation
            ? TypedResults.Ok(Envelope.Of(new InvitationView(urls.Base(http) + invitation.Path, invitation.ExpiresAt),
                "Send the link to the operator: it lets them choose a password, once, until it expires."))
            : ApiProblem.NotFound("The operator");

    static async Task<Results<Ok<Envelope<object?>>, ProblemHttpResult>> Delete(Guid id, OperatorAccounts accounts) =>
        await accounts.DeleteAsync(id)
            ? TypedResults.Ok(Envelope.Of<object?>(null, "The operator was deleted."))
            : ApiProblem.NotFound("The operator");
}
