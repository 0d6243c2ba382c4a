using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Parley.Admin;
using Parley.Api;
using Parley.Conversations;
using Parley.OperatorConsole;

namespace Parley.Voice;

/// <summary>
/// Voice on the session API: a reply read aloud (<c>POST …/speech</c>) and a recording turned into text
/// (<c>POST …/transcriptions</c>), under the same key, expiry and rate limits as messages; and reading aloud in the
/// console, for signed-in operators.
/// </summary>
public static class VoiceEndpoints
{
    public static IServiceCollection AddVoice(this IServiceCollection services) => services.AddScoped<VoiceService>();

    public static IEndpointRouteBuilder MapVoiceEndpoints(this IEndpointRouteBuilder app)
    {
        // The messages' group and rate limit: the same access key spends the same per-minute allowance.
        var chat = app.MapGroup("/api/v1/chat/{accessKey}").WithTags("Session chat")
            .RequireRateLimiting(RateLimits.SessionApi)
            .ProducesProblem(StatusCodes.Status410Gone).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status502BadGateway);
        chat.MapPost("/speech", Speak)
            .Produces<Stream>(StatusCodes.Status200OK, "audio/mpeg", "audio/wav", "audio/ogg", "audio/aac", "audio/flac");
        chat.MapPost("/transcriptions", Transcribe)
            .Accepts<TranscriptionForm>("multipart/form-data")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            // A form from any page that holds the key; the key in the path is the credential, as on every session route.
            .DisableAntiforgery()
            // Room for the largest recording and the form around it, past the usual body limit.
            .WithMetadata(new RequestSizeLimitAttribute(VoiceService.MaxAudioBytes + 64 * 1024));

        app.MapPost("/console/sessions/{sessionId:guid}/messages/{messageId:guid}/speech", SpeakToOperator)
            .RequireAuthorization(ConsoleAuthentication.OperatorPolicy).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// One of the session's replies read aloud by the gateway's speech model: the provider's audio, relayed as it
    /// comes, in its own content type. Only the session's own replies: no text of the caller's is ever read.
    /// </summary>
    static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> Speak(
        string accessKey, SpeechRequest request, ConversationService conversations, VoiceService voice, HttpContext http, CancellationToken ct)
    {
        var access = await conversations.OpenAsync(accessKey, ct);
        if (access.Open is not { } context) return ChatEndpoints.Refuse(access, http);
        var (audio, refusal) = await voice.SpeakAsync(context, request.MessageId!.Value, ct);
        return refusal is not null ? Problem(refusal) : Relay(audio!, context.Session.Id, voice);
    }

    /// <summary>The words of a recording, for the user to check and send as a message.</summary>
    static async Task<Results<Ok<Envelope<TranscriptionView>>, ProblemHttpResult>> Transcribe(
        string accessKey, IFormFile? file, ConversationService conversations, VoiceService voice, HttpContext http, CancellationToken ct)
    {
        var access = await conversations.OpenAsync(accessKey, ct);
        if (access.Open is not { } context) return ChatEndpoints.Refuse(access, http);
        if (file is null || file.Length == 0) return ApiProblem.Invalid("file", "The file field is required: a recording, as multipart/form-data.");
        if (file.Length > VoiceService.MaxAudioBytes)
        {
            return ApiProblem.Create(StatusCodes.Status413PayloadTooLarge, "audio_too_large", $"The recording is larger than {VoiceService.MaxAudioBytes / 1_000_000} MB.",
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["file"] = [$"The file field must be at most {VoiceService.MaxAudioBytes} bytes."] } });
        }
        await using var audio = file.OpenReadStream();
        var type = string.IsNullOrWhiteSpace(file.ContentType) ? "application/octet-stream" : file.ContentType;
        var (text, refusal) = await voice.TranscribeAsync(context, audio, type, file.Length, ct);
        return refusal is not null ? Problem(refusal) : TypedResults.Ok(Envelope.Of(new TranscriptionView(text!)));
    }

    /// <summary>The console's speaker button: the same reading, for an operator looking at the conversation.</summary>
    static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> SpeakToOperator(
        Guid sessionId, Guid messageId, ConversationService conversations, VoiceService voice, CancellationToken ct)
    {
        // Operators read ended conversations too.
        if ((await conversations.OpenAsync(sessionId, ct)).Context is not { } context) return ApiProblem.NotFound("The conversation");
        var (audio, refusal) = await voice.SpeakAsync(context, messageId, ct, forOperator: true);
        return refusal is not null ? Problem(refusal) : Relay(audio!, sessionId, voice);
    }

    static PushStreamHttpResult Relay(SpeechAudio audio, Guid sessionId, VoiceService voice) => TypedResults.Stream(async body =>
    {
        long sent = 0;
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await audio.Body.ReadAsync(buffer)) > 0)
            {
                await body.WriteAsync(buffer.AsMemory(0, read));
                // Each chunk goes out as it comes: playback starts before the provider finishes.
                await body.FlushAsync();
                sent += read;
            }
        }
        finally
        {
            audio.Response.Dispose();
            await voice.CountSpeechAsync(sessionId, audio.Characters, sent);
        }
    }, audio.ContentType);

    static ProblemHttpResult Problem(VoiceRefusal refusal) => ApiProblem.Create(refusal.Code switch
    {
        VoiceRefusal.MessageNotFound => StatusCodes.Status404NotFound,
        VoiceRefusal.SpeechNotConfigured or VoiceRefusal.TranscriptionNotConfigured or VoiceRefusal.NothingToRead => StatusCodes.Status409Conflict,
        // The provider failed: the same code and sentence a reply would end with.
        _ => StatusCodes.Status502BadGateway,
    }, refusal.Code, refusal.Message);
}

/// <summary><c>messageId</c>: an assistant reply of this session.</summary>
public sealed record SpeechRequest([property: Required(ErrorMessage = "The messageId field is required.")] Guid? MessageId);

/// <summary><c>file</c>: the recording (WebM, Ogg, MP3, WAV, M4A…), at most 10 MB.</summary>
public sealed record TranscriptionForm(IFormFile File);

public sealed record TranscriptionView(string Text);
