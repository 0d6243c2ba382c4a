using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Api;

namespace Parley.Attachments;

/// <summary>Where a file is served: to the session's key holders, to the admin key, to the console's operators.</summary>
public static class AttachmentUrls
{
    public static string ForSession(string accessKey, Guid attachmentId) => $"/api/v1/chat/{accessKey}/attachments/{attachmentId}";

    public static string ForAdmin(Guid clientId, Guid sessionId, Guid attachmentId) =>
        $"/api/v1/web-chat-client/{clientId}/sessions/{sessionId}/attachments/{attachmentId}";

    public static string ForConsole(Guid sessionId, Guid attachmentId) => $"/console/sessions/{sessionId}/attachments/{attachmentId}";
}

public static class AttachmentDownloads
{
    /// <summary>
    /// The bytes of one file of a session: images inline, other files as downloads, never as a page of Parley's
    /// origin; 404 when the session has no such file (or a private one is gone).
    /// </summary>
    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ServeAsync(
        ConversationFiles files, Guid sessionId, Guid attachmentId, HttpResponse response, CancellationToken ct)
    {
        if (await files.FindAsync(sessionId, attachmentId, ct) is not { } attachment
            || await files.ContentAsync(attachment, ct) is not ({ } name, { } bytes))
        {
            return ApiProblem.NotFound("The attachment");
        }
        response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        response.Headers.CacheControl = attachment.Private ? "no-store" : "private, max-age=86400";
        var inline = attachment.ContentType.StartsWith("image/", StringComparison.Ordinal);
        return TypedResults.File(bytes, attachment.ContentType, inline ? null : name);
    }
}
