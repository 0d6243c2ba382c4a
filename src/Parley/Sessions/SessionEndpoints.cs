using Parley.Attachments;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.EntityFrameworkCore;
using Parley.Admin;
using Parley.Api;
using Parley.Conversations;
using Parley.Data;
using Parley.Hosting;

namespace Parley.Sessions;

public static class SessionEndpoints
{
    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/api/v1/web-chat-client/{clientId:guid}/sessions")
            .WithTags("Sessions")
            .RequireAuthorization(AdminKeyAuthentication.Policy);

        sessions.MapPost("/", CreateSession).RequireRateLimiting(RateLimits.SessionCreation).ProducesProblem(StatusCodes.Status429TooManyRequests);
        sessions.MapGet("/", ListSessions);
        sessions.MapDelete("/", DeleteSessionsByTag);
        sessions.MapGet("/{sessionId:guid}", GetSession);
        sessions.MapDelete("/{sessionId:guid}", DeleteSession);
        // A person answering in the assistant's place, from an app of the business (the console does the same).
        sessions.MapPost("/{sessionId:guid}/takeover", TakeOver).ProducesProblem(StatusCodes.Status410Gone);
        sessions.MapDelete("/{sessionId:guid}/takeover", HandBack).ProducesProblem(StatusCodes.Status410Gone);
        sessions.MapPost("/{sessionId:guid}/messages", AnswerAsOperator)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status410Gone);
        sessions.MapGet("/{sessionId:guid}/attachments/{attachmentId:guid}", GetAttachment);
        sessions.MapGet("/{sessionId:guid}/transcript", Transcript)
            .Produces<string>(StatusCodes.Status200OK, "text/markdown", "application/jsonl");
        return app;
    }

    static async Task<Results<Ok<Envelope<CreatedSession>>, ProblemHttpResult>> CreateSession(
        Guid clientId, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] CreateSessionRequest? request, HttpRequest http, AppDb db,
        SessionService sessions, PublicUrls urls, CancellationToken ct)
    {
        if (!await db.ChatClients.AnyAsync(c => c.Id == clientId, ct)) return ApiProblem.NotFound("The chat client");

        // No body at all means every default: a session without tag or context, for the default time.
        request ??= new CreateSessionRequest();
        var tag = request.Tag?.Trim();
        var lifetime = TimeSpan.FromSeconds(request.Expires ?? CreateSessionRequest.DefaultExpires);
        var issued = await sessions.OpenAsync(clientId, tag, request.ExtraContext, lifetime, ct);
        var created = new CreatedSession(issued.SessionId, issued.AccessKey, urls.Talk(http, issued.AccessKey), issued.ExpiresAt);
        return TypedResults.Ok(Envelope.Of(created, issued.Renewed ? "The session was renewed." : "The session was created."));
    }

    static async Task<Results<Ok<Envelope<Paged<SessionSummary>>>, ProblemHttpResult>> ListSessions(
        Guid clientId, AppDb db, TimeProvider clock, CancellationToken ct,
        string? tag = null, [Range(1, int.MaxValue)] int page = 1, [Range(1, 200)] int pageSize = 50)
    {
        if (!await db.ChatClients.AnyAsync(c => c.Id == clientId, ct)) return ApiProblem.NotFound("The chat client");

        var now = clock.GetUtcNow().UtcDateTime;
        var query = db.Sessions.Where(s => s.ChatClientId == clientId);
        if (!string.IsNullOrWhiteSpace(tag)) query = query.Where(s => s.Tag == tag);

        var total = await query.CountAsync(ct);
        var items = await query
            .OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(s => new SessionSummary(s.Id, s.Tag, s.Channel, s.CreatedAt, s.ExpiresAt, s.ExpiresAt <= now, s.InputTokens, s.OutputTokens,
                db.Messages.Count(m => m.SessionId == s.Id && m.ClearedAt == null)))
            .ToListAsync(ct);
        return TypedResults.Ok(Envelope.Of(new Paged<SessionSummary>(items, page, pageSize, total)));
    }

    static async Task<Results<Ok<Envelope<SessionDetail>>, ProblemHttpResult>> GetSession(
        Guid clientId, Guid sessionId, AppDb db, TimeProvider clock, CancellationToken ct)
    {
        var session = await db.Sessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId && s.ChatClientId == clientId, ct);
        if (session is null) return ApiProblem.NotFound("The session");

        var messages = await db.Messages.AsNoTracking()
            .Where(m => m.SessionId == sessionId && m.ClearedAt == null)
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
            .ToListAsync(ct);
        var detail = new SessionDetail(session.Id, session.Tag, session.Channel, session.ExtraContext, session.CreatedAt, session.ExpiresAt,
            session.ExpiresAt <= clock.GetUtcNow().UtcDateTime, session.InputTokens, session.OutputTokens,
            messages.Select(MessageView.Of).ToList());
        return TypedResults.Ok(Envelope.Of(detail));
    }

    static async Task<Results<Ok<Envelope<object?>>, ProblemHttpResult>> TakeOver(
        Guid clientId, Guid sessionId, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] TakeOverRequest? request,
        ConversationService conversations, CancellationToken ct)
    {
        var access = await conversations.OpenAsync(sessionId, ct);
        if (Unusable(access, clientId) is { } problem) return problem;
        var context = access.Open!;
        await conversations.TakeOverAsync(context, OperatorRef.Admin(request?.Name), ct);
        return TypedResults.Ok(Envelope.Of<object?>(null, "The conversation was taken over: the assistant will not answer it."));
    }

    static async Task<Results<Ok<Envelope<object?>>, ProblemHttpResult>> HandBack(
        Guid clientId, Guid sessionId, ConversationService conversations, CancellationToken ct)
    {
        var access = await conversations.OpenAsync(sessionId, ct);
        if (Unusable(access, clientId) is { } problem) return problem;
        var context = access.Open!;
        await conversations.HandBackAsync(context, ct);
        return TypedResults.Ok(Envelope.Of<object?>(null, "The conversation was handed back to the assistant."));
    }

    static async Task<Results<Ok<Envelope<object?>>, ProblemHttpResult>> AnswerAsOperator(
        Guid clientId, Guid sessionId, OperatorMessageRequest request, ConversationService conversations, CancellationToken ct)
    {
        var access = await conversations.OpenAsync(sessionId, ct);
        if (Unusable(access, clientId) is { } problem) return problem;
        var context = access.Open!;
        var refusal = await conversations.SendAsOperatorAsync(context, OperatorRef.Admin(context.Session.TakenOverName), request.Content, ct);
        return refusal is null
            ? TypedResults.Ok(Envelope.Of<object?>(null, "The message was sent."))
            : ApiProblem.Create(StatusCodes.Status409Conflict, refusal.Code, refusal.Message);
    }

    /// <summary>404 for a session of another client or none; 410 for one that expired, as on the session API.</summary>
    static ProblemHttpResult? Unusable(SessionAccess access, Guid clientId) =>
        access.Context?.Client.Id != clientId ? ApiProblem.NotFound("The session")
        : access.Refusal is { } refusal ? ApiProblem.Create(StatusCodes.Status410Gone, refusal.Code, refusal.Message, refusal.Data?.ToDictionary())
        : null;

    /// <summary>A session's conversation as a download, whatever channel it came through.</summary>
    /// <summary>The bytes of a file of one of the client's sessions, as listed in its transcript.</summary>
    static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetAttachment(
        Guid clientId, Guid sessionId, Guid attachmentId, AppDb db, ConversationFiles files, HttpResponse response, CancellationToken ct)
    {
        if (!await db.Sessions.AnyAsync(s => s.Id == sessionId && s.ChatClientId == clientId, ct)) return ApiProblem.NotFound("The session");
        return await AttachmentDownloads.ServeAsync(files, sessionId, attachmentId, response, ct);
    }

    static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Transcript(
        Guid clientId, Guid sessionId, AppDb db, ConversationFiles files, CancellationToken ct, string format = "md")
    {
        if (TranscriptWriter.RefuseFormat(format) is { } badFormat) return badFormat;
        var found = await db.Sessions.AsNoTracking().Where(s => s.Id == sessionId && s.ChatClientId == clientId)
            .Join(db.ChatClients, s => s.ChatClientId, c => c.Id, (s, c) => new { c.Name, c.ClientParameters })
            .SingleOrDefaultAsync(ct);
        if (found is null) return ApiProblem.NotFound("The session");
        var messages = await db.Messages.AsNoTracking()
            .Where(m => m.SessionId == sessionId && m.ClearedAt == null && m.Status != MessageStatus.Generating)
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
            .ToListAsync(ct);
        if (found.ClientParameters.MaskPersonalData) PersonalData.MaskAll(messages);
        await files.LoadAsync(messages, ct);
        return TranscriptWriter.Download(found.ClientParameters.PageTitle ?? found.Name, sessionId, messages, format,
            a => AttachmentUrls.ForAdmin(clientId, sessionId, a.Id));
    }

    /// <summary>
    /// Erases every session of the client with the tag, with all that is in them: a user's right to be forgotten when
    /// the tag is the user's id. The tag is required, so no call deletes everything by accident.
    /// </summary>
    static async Task<Results<Ok<Envelope<DeletedSessions>>, ProblemHttpResult>> DeleteSessionsByTag(
        Guid clientId, string? tag, AppDb db, SessionErasure erasure, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(tag))
            return ApiProblem.Invalid("tag", "The tag parameter is required: every session of the chat client with this tag is deleted.");
        if (!await db.ChatClients.AnyAsync(c => c.Id == clientId, ct)) return ApiProblem.NotFound("The chat client");
        var deleted = await erasure.DeleteAsync(db.Sessions.Where(s => s.ChatClientId == clientId && s.Tag == tag), ct);
        return TypedResults.Ok(Envelope.Of(new DeletedSessions(deleted), $"{deleted} session(s) with this tag were deleted."));
    }

    static async Task<Results<Ok<Envelope<object?>>, ProblemHttpResult>> DeleteSession(
        Guid clientId, Guid sessionId, AppDb db, SessionErasure erasure, CancellationToken ct)
    {
        var deleted = await erasure.DeleteAsync(db.Sessions.Where(s => s.Id == sessionId && s.ChatClientId == clientId), ct);
        return deleted == 0 ? ApiProblem.NotFound("The session") : TypedResults.Ok(Envelope.Of<object?>(null, "The session was deleted."));
    }
}

public sealed record DeletedSessions(int Deleted);

/// <summary>Every field is optional; an empty body asks for a session with the defaults.</summary>
public sealed record CreateSessionRequest(
    [property: StringLength(50_000)] string? ExtraContext = null,
    [property: Range(600, 7_776_000, ErrorMessage = "The expires field must be between 600 and 7776000 seconds (10 minutes to 90 days).")]
    int? Expires = null,
    [property: StringLength(200)] string? Tag = null) : IValidatableObject
{
    public const int DefaultExpires = 3600;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // An empty tag would silently mean "no tag" and lose the caller's intent to find this session again.
        if (Tag is not null && string.IsNullOrWhiteSpace(Tag))
            yield return new ValidationResult("The tag field must not be empty; leave it out for a session without a tag.", [nameof(Tag)]);
    }
}

public sealed record TakeOverRequest([property: StringLength(100)] string? Name = null);

public sealed record OperatorMessageRequest(
    [property: Required(ErrorMessage = "The content field is required and must not be blank."), StringLength(100_000)] string Content);

public sealed record CreatedSession(Guid SessionId, string AccessKey, string TalkUrl, DateTime ExpiresAt);

public sealed record SessionSummary(
    Guid Id, string? Tag, string Channel, DateTime CreatedAt, DateTime ExpiresAt, bool Expired, long InputTokens, long OutputTokens, int MessageCount);

public sealed record SessionDetail(
    Guid Id, string? Tag, string Channel, string? ExtraContext, DateTime CreatedAt, DateTime ExpiresAt, bool Expired,
    long InputTokens, long OutputTokens, IReadOnlyList<MessageView> Messages);
