using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Parley.Conversations;

namespace Parley.Attachments;

/// <summary>Marks a route whose JSON body may carry a message's files.</summary>
public sealed class CarriesFiles
{
    public static readonly CarriesFiles Instance = new();
}

public static class AttachmentUploads
{
    /// <summary>
    /// Files come base64 in the message's body, past the usual body limit (Parley:MaxRequestBodyBytes). Only a session
    /// whose chat client takes files gets the room its limits need; looked up only for a body larger than the usual
    /// limit, so ordinary messages cost nothing more.
    /// </summary>
    public static IApplicationBuilder UseAttachmentUploads(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<CarriesFiles>() is null)
        {
            await next(http);
            return;
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false, MaxRequestBodySize: { } usual } limit
            && (http.Request.ContentLength is null || http.Request.ContentLength > usual)
            && http.Request.RouteValues["accessKey"] is string accessKey
            && await http.RequestServices.GetRequiredService<ConversationService>().OpenAsync(accessKey, http.RequestAborted) is
                { Open.Client: { ClientParameters.AllowAttachments: true } client })
        {
            // Base64 grows bytes by a third; the text of the message and the JSON around it fit in the usual limit.
            limit.MaxRequestBodySize = Math.Max(usual, client.LimitingParameters.MaxAttachmentBytesPerMessage * 4L / 3 + usual);
        }
        if (http.Request.HasFormContentType) await AsJsonAsync(http.Request);
        await next(http);
    });

    /// <summary>
    /// A message sent as multipart/form-data (fields <c>content</c>, <c>files</c> and <c>proof</c>, as a browser form sends it)
    /// becomes the JSON body the route reads, so both forms meet the same binding, validation and errors.
    /// </summary>
    static async Task AsJsonAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var attachments = new List<object>();
        foreach (var file in form.Files)
        {
            using var bytes = new MemoryStream();
            await file.CopyToAsync(bytes, request.HttpContext.RequestAborted);
            attachments.Add(new { name = file.FileName, data = bytes.ToArray(), contentType = file.ContentType });
        }
        // A proof of work, when the first message needs one, comes as its JSON in the field "proof".
        object? proof = form["proof"].ToString() is { Length: > 0 } sent ? ProofOf(sent) : null;
        var body = JsonSerializer.SerializeToUtf8Bytes(new { content = form["content"].ToString(), proof, attachments }, JsonSerializerOptions.Web);
        request.Body = new MemoryStream(body);
        request.ContentType = "application/json";
        request.ContentLength = body.Length;
    }

    // Not JSON: passed on as the text it is, for the route's binding to refuse with the field's name.
    static object ProofOf(string sent)
    {
        try
        {
            return JsonSerializer.Deserialize<JsonElement>(sent);
        }
        catch (JsonException)
        {
            return sent;
        }
    }
}
