using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Api;
using Parley.Attachments;
using Parley.Conversations;

namespace Parley.OperatorConsole.Chats;

/// <summary>The Chats workspace's services, and the one endpoint it needs besides its page: a conversation's download.</summary>
public static class ChatsSetup
{
    public static IServiceCollection AddChats(this IServiceCollection services)
    {
        services.AddScoped<ChatsWorkspace>();
        services.AddScoped<OperatorTime>();
        return services;
    }

    public static IEndpointRouteBuilder MapChats(this IEndpointRouteBuilder app)
    {
        app.MapGet("/console/sessions/{sessionId:guid}/transcript", Transcript)
            .RequireAuthorization(ConsoleAuthentication.OperatorPolicy)
            .ExcludeFromDescription();
        app.MapGet("/console/sessions/{sessionId:guid}/attachments/{attachmentId:guid}", AttachmentAsync)
            .RequireAuthorization(ConsoleAuthentication.OperatorPolicy)
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>Markdown (<c>format=md</c>) or JSON lines (<c>format=jsonl</c>), as the session API writes them.</summary>
    static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Transcript(
        Guid sessionId, ChatsWorkspace workspace, HttpResponse response, CancellationToken ct, string format = "md")
    {
        if (TranscriptWriter.RefuseFormat(format) is { } badFormat) return badFormat;
        if (await workspace.TranscriptAsync(sessionId, ct) is not { } transcript) return ApiProblem.NotFound("The session");
        // A conversation: no browser or proxy keeps a copy.
        response.Headers.CacheControl = "no-store";
        return TranscriptWriter.Download(transcript.Title, sessionId, transcript.Messages, format, a => AttachmentUrls.ForConsole(sessionId, a.Id));
    }

    /// <summary>A file of a conversation, for the operators who can read it.</summary>
    static Task<Results<FileContentHttpResult, ProblemHttpResult>> AttachmentAsync(
        Guid sessionId, Guid attachmentId, ConversationFiles files, HttpResponse response, CancellationToken ct) =>
        AttachmentDownloads.ServeAsync(files, sessionId, attachmentId, response, ct);
}
