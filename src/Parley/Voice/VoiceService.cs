using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Parley.Conversations;
using Parley.Data;
using Parley.Gateways;
using Parley.Integrations.Formatting;
using Parley.Sessions;

namespace Parley.Voice;

/// <summary>The provider's audio, opened: relay <see cref="Body"/> as it comes, then say how many bytes went out.</summary>
public sealed record SpeechAudio(Stream Body, string ContentType, int Characters, IDisposable Response);

/// <summary>A voice request said no, with a stable code and a sentence a person can read.</summary>
public sealed record VoiceRefusal(string Code, string Message)
{
    public const string SpeechNotConfigured = "speech_not_configured";
    public const string TranscriptionNotConfigured = "transcription_not_configured";
    public const string MessageNotFound = "not_found";
    public const string NothingToRead = "nothing_to_read";
}

/// <summary>
/// Reading replies aloud and turning recordings into text, through the session's gateway. Speech goes to the
/// provider's <c>/audio/speech</c> and its audio is relayed as it comes; transcription goes through Microsoft.Extensions.AI's
/// <see cref="ISpeechToTextClient"/>. Each use is counted for the session (<see cref="VoiceUse"/>). Provider faults
/// get the codes and sentences of a failed reply; what the provider said goes to the log only.
/// </summary>
public sealed partial class VoiceService(AppDb db, ModelClients models, IPrivateContent privateContent, TimeProvider clock, ILogger<VoiceService> logger)
{
    /// <summary>The longest text one speech request takes (OpenAI's limit); a longer reply is read up to a sentence's end before it.</summary>
    public const int MaxSpeechCharacters = 4096;
    public const int MaxAudioBytes = 10_000_000;
    const string DefaultVoice = "alloy";

    public static bool OffersSpeech(GatewayParameters p) => !string.IsNullOrWhiteSpace(p.SpeechModel);
    public static bool OffersTranscription(GatewayParameters p) => !string.IsNullOrWhiteSpace(p.TranscriptionModel);

    /// <summary>What the session's page may offer, and what it used.</summary>
    public static async Task<VoiceView> ViewAsync(AppDb db, SessionContext context, CancellationToken ct) => new(
        OffersSpeech(context.Gateway.Parameters), OffersTranscription(context.Gateway.Parameters),
        await VoiceUsage.OfAsync(db.VoiceUses.Where(u => u.SessionId == context.Session.Id), ct));

    /// <summary>
    /// Asks the provider to read one of the session's replies aloud; the audio is open once this returns it.
    /// <paramref name="forOperator"/>: an operator listens, and hears personal data masked when the chat client masks it.
    /// </summary>
    public async Task<(SpeechAudio? Audio, VoiceRefusal? Refusal)> SpeakAsync(
        SessionContext context, Guid messageId, CancellationToken ct, bool forOperator = false)
    {
        var p = context.Gateway.Parameters;
        if (!OffersSpeech(p))
            return (null, new(VoiceRefusal.SpeechNotConfigured, "This assistant's AI gateway has no speech model: replies can only be read aloud by the browser."));
        var message = await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.Id == messageId && m.SessionId == context.Session.Id
            && m.ClearedAt == null && m.Role == MessageRole.Assistant && m.Status != MessageStatus.Generating, ct);
        if (message is null) return (null, new(VoiceRefusal.MessageNotFound, "The reply was not found."));
        if (message.Private) await privateContent.FillAsync(context.Session.Id, [message]);
        var text = Readable(PersonalData.MaskIf(forOperator && context.Client.ClientParameters.MaskPersonalData, message.Content));
        if (text.Length == 0) return (null, new(VoiceRefusal.NothingToRead, "The reply has no text to read aloud."));

        var body = BinaryContent.Create(BinaryData.FromObjectAsJson(
            new { model = p.SpeechModel!.Trim(), input = text, voice = string.IsNullOrWhiteSpace(p.Voice) ? DefaultVoice : p.Voice.Trim() },
            JsonSerializerOptions.Web));
        try
        {
            // Unbuffered: the body is read as the provider writes it, so the first words play before the last are made.
            var result = await models.AudioProviderFor(context.Gateway).GetAudioClient(p.SpeechModel)
                .GenerateSpeechAsync(body, new RequestOptions { BufferResponse = false, CancellationToken = ct });
            var response = result.GetRawResponse();
            var type = response.Headers.TryGetValue("Content-Type", out var given) && given is { Length: > 0 } ? given : "audio/mpeg";
            return (new SpeechAudio(response.ContentStream ?? Stream.Null, type, text.Length, response), null);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            return (null, Failed(ex, context.Session.Id, "speech"));
        }
    }

    /// <summary>Counts a reading once its audio was relayed (or the listener left): the provider made it either way.</summary>
    public Task CountSpeechAsync(Guid sessionId, int characters, long bytes) =>
        CountAsync(new VoiceUse { SessionId = sessionId, CreatedAt = Now, Kind = VoiceKind.Speech, Characters = characters, AudioBytes = bytes });

    /// <summary>The text said in a recording, for the user to check before sending it.</summary>
    public async Task<(string? Text, VoiceRefusal? Refusal)> TranscribeAsync(
        SessionContext context, Stream audio, string mediaType, long length, CancellationToken ct)
    {
        var p = context.Gateway.Parameters;
        if (!OffersTranscription(p))
            return (null, new(VoiceRefusal.TranscriptionNotConfigured, "This assistant's AI gateway has no transcription model: speak to the browser's own voice input instead."));
        string text;
        try
        {
#pragma warning disable MEAI001 // Microsoft.Extensions.AI's speech-to-text is marked experimental; it is the abstraction the provider adapters share.
            using var client = models.AudioProviderFor(context.Gateway).GetAudioClient(p.TranscriptionModel!.Trim()).AsISpeechToTextClient();
            using var bytes = new MemoryStream((int)Math.Min(length, MaxAudioBytes));
            await audio.CopyToAsync(bytes, ct);
            var response = await client.GetTextAsync(new DataContent(bytes.ToArray(), mediaType), cancellationToken: ct);
#pragma warning restore MEAI001
            text = response.Text.Trim();
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            return (null, Failed(ex, context.Session.Id, "transcription"));
        }
        await CountAsync(new VoiceUse
        {
            SessionId = context.Session.Id, CreatedAt = Now, Kind = VoiceKind.Transcription, Characters = text.Length, AudioBytes = length,
        });
        return (text, null);
    }

    /// <summary>A reply as it is spoken: its Markdown flattened to plain text, and no longer than one request takes.</summary>
    public static string Readable(string markdown)
    {
        var text = MarkdownFlattener.Flatten(markdown, "", MaxSpeechCharacters * 4).Text.Trim();
        if (text.Length <= MaxSpeechCharacters) return text;
        var cut = text.LastIndexOfAny(['.', '!', '?', '\n'], MaxSpeechCharacters - 1);
        return text[..(cut > MaxSpeechCharacters / 2 ? cut + 1 : MaxSpeechCharacters)].Trim();
    }

    DateTime Now => clock.GetUtcNow().UtcDateTime;

    async Task CountAsync(VoiceUse use)
    {
        db.Add(use);
        await db.SaveChangesAsync(CancellationToken.None);
    }

    VoiceRefusal Failed(Exception ex, Guid sessionId, string what)
    {
        var (code, message) = ProviderErrors.Describe(ex);
        if (code == ProviderErrors.UnexpectedCode) LogVoiceFailedUnexpectedly(logger, ex, what, sessionId);
        else LogVoiceFailed(logger, what, sessionId, code, message, ProviderErrors.ProviderSaid(ex) ?? "nothing");
        return new VoiceRefusal(code, message);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {What} asked in session {SessionId} failed: {Code} {Reason} The provider said: {ProviderSaid}")]
    static partial void LogVoiceFailed(ILogger logger, string what, Guid sessionId, string code, string reason, string providerSaid);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {What} asked in session {SessionId} failed unexpectedly")]
    static partial void LogVoiceFailedUnexpectedly(ILogger logger, Exception exception, string what, Guid sessionId);
}
