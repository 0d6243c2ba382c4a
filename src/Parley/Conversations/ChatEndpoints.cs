using Parley.Attachments;
using System.ComponentModel.DataAnnotations;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Admin;
using Parley.Api;
using Parley.ChatClients;
using Parley.Integrations;
using Parley.Sessions;

namespace Parley.Conversations;

/// <summary>The session API: the access key in the path is the only credential, and it opens one session.</summary>
public static class ChatEndpoints
{
    public static IEndpointRouteBuilder MapChatEndpoints(this IEndpointRouteBuilder app)
    {
        var chat = app.MapGroup("/api/v1/chat/{accessKey}").WithTags("Session chat")
            .RequireRateLimiting(RateLimits.SessionApi)
            .ProducesProblem(StatusCodes.Status410Gone);

        chat.MapGet("/", GetChat);
        // A reply in progress (409), the limits (403, 429), and shared state out of reach (503) refuse a new reply.
        chat.MapPost("/messages", SendMessage)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            // A form (content, files) is read as the same JSON message by AttachmentUploads before the route binds it.
            .Accepts<SendMessageRequest>("application/json", "multipart/form-data")
            .WithMetadata(CarriesFiles.Instance);
        chat.MapPost("/retry", Retry).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        chat.MapGet("/reply", FollowReply);
        chat.MapGet("/challenge", Challenge);
        chat.MapGet("/attachments/{attachmentId:guid}", GetAttachment);
        chat.MapPost("/messages/{messageId:guid}/feedback", GiveFeedback);
        chat.MapDelete("/messages", Clear);
        chat.MapPost("/continue", Continue);
        chat.MapGet("/events", Events);
        chat.MapGet("/transcript", Transcript)
            .Produces<string>(StatusCodes.Status200OK, "text/markdown", "application/jsonl");
        return app;
    }

    static async Task<Results<Ok<Envelope<ChatView>>, ProblemHttpResult>> GetChat(
        string accessKey, ConversationService conversations, HttpContext http, CancellationToken ct)
    {
        var access = await conversations.OpenAsync(accessKey, ct);
        if (access.Open is not { } context) return Refuse(access, http);
        return TypedResults.Ok(Envelope.Of(await conversations.ViewAsync(context, accessKey, FailedAuthentications.ClientAddress(http), ct)));
    }

    static async Task<Results<EventStreamResult, ProblemHttpResult>> SendMessage(
        string accessKey, SendMessageRequest request, IServiceScopeFactory scopes, ProofOfWork proofs, HttpContext http, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var conversations = scope.ServiceProvider.GetRequiredService<ConversationService>();
        var access = await conversations.OpenAsync(accessKey, ct);
        if (access.Open is not { } context) return Refuse(access, http);
        if (context.Client.ClientParameters.ProofOfWorkBits is { } bits && !proofs.Solves(context.Session.Id, bits, request.Proof)
            && !await conversations.HasUserMessagesAsync(context.Session.Id, ct))
        {
            return ApiProblem.Create(StatusCodes.Status428PreconditionRequired, ProofOfWork.Required,
                $"This conversation's first message needs a proof of work: solve GET …/challenge ({bits} bits) and send it as proof.",
                new Dictionary<string, object?> { ["bits"] = bits });
        }
        var files = request.Attachments?.Select(a => new IncomingFile(a.Name, a.Data)).ToList();
        var outcome = await conversations.SendAsync(context,
            new UserMessage(request.Content ?? "", Address: FailedAuthentications.ClientAddress(http), Files: files), ct);
        if (outcome.Refusal is { } refusal) return Problem(refusal);
        return outcome.Held is { } held ? new EventStreamResult(new[] { ChatEvents.OfHeld(held) }.ToAsyncEnumerable()) : Stream(outcome.Run!, ct);
    }

    /// <summary>The bytes of a file of this session, for holders of its key: images inline, other files as downloads.</summary>
    static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetAttachment(
        string accessKey, Guid attachmentId, ConversationService conversations, ConversationFiles files, HttpContext http, CancellationToken ct)
    {
        var access = await conversations.OpenAsync(accessKey, ct);
        if (access.Open is not { } context) return Refuse(access, http);
        return await AttachmentDownloads.ServeAsync(files, context.Session.Id, attachmentId, http.Response, ct);
    }

    /// <summary>A challenge for the session's first message, when its chat client asks for a proof of work (bits null: none asked).</summary>
    static async Task<Results<Ok<Envelope<ProofChallenge>>, ProblemHttpResult>> Challenge(
        string accessKey, ConversationService conversations, ProofOfWork proofs, HttpContext http, CancellationToken ct)
    {
        var access = await conversations.OpenAsync(accessKey, ct);
        if (access.Open is not { } context) return Refuse(access, http);
        var bits = context.Client.ClientParameters.ProofOfWorkBits ?? 0;
        return TypedResults.Ok(Envelope.Of(proofs.Challenge(context.Session.Id, bits)));
    }

    static async Task<Results<EventStreamResult, ProblemHttpResult>> Retry(
        string accessKey, IServiceScopeFactory scopes, HttpContext http, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var conversations = scope.ServiceProvider.GetRequiredService<ConversationService>();
        var access = await conversations.OpenAsync(accessKey, ct);
        if (access.Open is not { } context) return Refuse(access, http);
        var outcome = await conversations.RetryAsync(context, ct, FailedAuthentications.ClientAddress(http));
        return outcome.Refusal is { } refusal ? Problem(refusal) : Stream(outcome.Run!, ct);
    }

    /// <summary>
    /// The reply being generated, from its first event: a page that reloads or reconnects mid-reply picks it up here.
    /// 204 when no reply is being generated.
    /// </summary>
    static async Task<Results<EventStreamResult, NoContent, ProblemHttpResult>> FollowReply(
        string accessKey, IServiceScopeFactory scopes, ReplyRegistry replies, HttpContext http, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var conversations = scope.ServiceProvider.GetRequiredService<ConversationService>();
        var access = await conversations.OpenAsync(accessKey, ct);
        if (access.Open is not { } context) return Refuse(access, http);
        return await replies.FollowAsync(context.Session.Id, ct) is { } events ? new EventStreamResult(events) : TypedResults.NoContent();
    }

    static async Task<Results<Ok<Envelope<FeedbackView>>, ProblemHttpResult>> GiveFeedback(
        string accessKey, Guid messageId, FeedbackRequest request, ConversationService conversations, HttpContext http, CancellationToken ct)
    {
        var access = await conversations.OpenAsync(accessKey, ct);
        if (access.Open is not { } context) return Refuse(access, http);
        return await conversations.RateReplyAsync(context, messageId, request.Rating, request.Comment, ct) is { } feedback
            ? TypedResults.Ok(Envelope.Of(feedback, "Thanks for the feedback."))
            : ApiProblem.NotFound("The reply");
    }

    static async Task<Results<Ok<Envelope<object?>>, ProblemHttpResult>> Clear(
        string accessKey, ConversationService conversations, HttpContext http, CancellationToken ct)
    {
        var access = await conversations.OpenAsync(accessKey, ct);
        if (access.Open is not { } context) return Refuse(access, http);
        await conversations.ClearAsync(context, ct);
        return TypedResults.Ok(Envelope.Of<object?>(null, "The conversation was cleared."));
    }

    /// <summary>
    /// A one-time code, with a link and a QR code for each chat app the client answers on, to go on with this
    /// conversation there.
    /// </summary>
    static async Task<Results<Ok<Envelope<ContinuationView>>, ProblemHttpResult>> Continue(
        string accessKey, ConversationService conversations, ContinuationCodes codes, HttpContext http, CancellationToken ct)
    {
        var access = await conversations.OpenAsync(accessKey, ct);
        if (access.Open is not { } context) return Refuse(access, http);
        return TypedResults.Ok(Envelope.Of(await codes.CreateAsync(context, ct)));
    }

    /// <summary>
    /// What happens in the session while its page is open: a person taking the conversation over, their messages,
    /// and handing it back. A stream that stays open (with keep-alive comments), on any instance.
    /// </summary>
    static async Task<Results<EventStreamResult, ProblemHttpResult>> Events(
        string accessKey, ConversationService conversations, ISessionActivityBus bus, HttpContext http, CancellationToken ct)
    {
        var access = await conversations.OpenAsync(accessKey, ct);
        if (access.Open is not { } context) return Refuse(access, http);
        return new EventStreamResult(PersonEventsAsync(bus, context.Session.Id, ct));
    }

    static async IAsyncEnumerable<SseItem<object>> PersonEventsAsync(ISessionActivityBus bus, Guid sessionId, [EnumeratorCancellation] CancellationToken ct)
    {
        // A page that stops reading loses the oldest events, not the server's memory.
        var arrived = Channel.CreateBounded<SessionActivity>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });
        using var subscription = bus.Subscribe(sessionId, activity =>
        {
            arrived.Writer.TryWrite(activity);
            return Task.CompletedTask;
        });
        await foreach (var activity in arrived.Reader.ReadAllAsync(ct))
        {
            switch (activity.Kind)
            {
                case SessionActivityKinds.OperatorMessage:
                    yield return new SseItem<object>(new OperatorMessagePayload(activity.MessageId!.Value, activity.Text ?? "", activity.AuthorName ?? "",
                        activity.At), SessionActivityKinds.OperatorMessage);
                    break;
                case SessionActivityKinds.TakenOver:
                    yield return new SseItem<object>(new PersonPayload(activity.AuthorName ?? ""), SessionActivityKinds.TakenOver);
                    break;
                case SessionActivityKinds.HandedBack:
                    yield return new SseItem<object>(new PersonPayload(null), SessionActivityKinds.HandedBack);
                    break;
            }
        }
    }

    static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Transcript(
        string accessKey, ConversationService conversations, HttpContext http, CancellationToken ct, string format = "md")
    {
        if (TranscriptWriter.RefuseFormat(format) is { } badFormat) return badFormat;
        var access = await conversations.OpenAsync(accessKey, ct);
        if (access.Open is not { } context) return Refuse(access, http);

        var messages = await conversations.ConversationAsync(context.Session.Id, settleAbandoned: false, ct);
        var title = context.Client.ClientParameters.PageTitle ?? context.Client.Name;
        return TranscriptWriter.Download(title, context.Session.Id, messages, format, a => AttachmentUrls.ForSession(accessKey, a.Id));
    }

    /// <summary>
    /// Follows the reply without owning it: when the caller goes away only the reading stops, and the reply is
    /// still generated and stored. The routes that stream do their work in a scope of their own, given back before the
    /// stream starts: the request's scope lives as long as the stream, and would hold a database context (and the
    /// rest of the work's services) for every reply being read.
    /// </summary>
    static EventStreamResult Stream(ReplyRun run, CancellationToken ct) => new(run.ReadAllAsync(ct));

    /// <summary>An unknown key (404) counts as a failed authentication; an expired session is closed on every route (410).</summary>
    internal static ProblemHttpResult Refuse(SessionAccess access, HttpContext http)
    {
        if (access.State == SessionState.Unknown)
            http.RequestServices.GetRequiredService<FailedAuthentications>().Record(http, "access key");
        return Problem(access.Refusal!);
    }

    /// <summary>The status code each refusal of the conversation core answers with on the session API.</summary>
    static ProblemHttpResult Problem(ConversationRefusal refusal) => refusal.Code switch
    {
        // The one refusal that is the caller's malformed input: answered like every other invalid field.
        ConversationRefusal.MessageEmpty => ApiProblem.Invalid("content", "The content field must not be empty."),
        _ => ApiProblem.Create(StatusFor(refusal.Code), refusal.Code, refusal.Message, refusal.Data?.ToDictionary()),
    };

    static int StatusFor(string code) => code switch
    {
        ConversationRefusal.SessionNotFound => StatusCodes.Status404NotFound,
        ConversationRefusal.SessionExpired => StatusCodes.Status410Gone,
        ConversationRefusal.InputTooLong => StatusCodes.Status400BadRequest,
        ConversationRefusal.MaxMessagesReached => StatusCodes.Status403Forbidden,
        ConversationRefusal.HourlyLimitReached or ConversationRefusal.TokenBudgetSpent => StatusCodes.Status429TooManyRequests,
        ConversationRefusal.AttachmentsNotAllowed or ConversationRefusal.AttachmentTypeRefused or ConversationRefusal.TooManyAttachments
            or ConversationRefusal.ImagesNotAccepted => StatusCodes.Status400BadRequest,
        ConversationRefusal.AttachmentTooLarge => StatusCodes.Status413PayloadTooLarge,
        ConversationRefusal.ReplyInProgress or ConversationRefusal.NothingToRetry or ConversationRefusal.TakenOver
            or ConversationRefusal.NotTakenOver => StatusCodes.Status409Conflict,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "A refusal of the conversation core without a status."),
    };
}

public sealed record OperatorMessagePayload(Guid MessageId, string Content, string Name, DateTime CreatedAt);
public sealed record PersonPayload(string? Name);

/// <summary>
/// <c>proof</c>: a solved challenge, needed with a session's first message when its chat client asks for a proof of
/// work. <c>attachments</c>: files, base64 in <c>data</c>, when the chat client takes them.
/// </summary>
/// <c>content</c> may be blank only when files come with it.
public sealed record SendMessageRequest(
    [property: StringLength(100_000)] string? Content,
    ProofOfWorkAnswer? Proof = null,
    [property: MaxLength(20)] IReadOnlyList<AttachmentUpload>? Attachments = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Content) && Attachments is not { Count: > 0 })
            yield return new ValidationResult("The content field is required and must not be blank.", [nameof(Content)]);
    }
}

/// <summary>A file in a JSON message: its name, and its bytes in base64. Its type is read from the bytes; <c>contentType</c> is only a hint.</summary>
public sealed record AttachmentUpload(
    [property: Required(ErrorMessage = "The name field is required."), StringLength(255)] string Name,
    [property: Required(ErrorMessage = "The data field is required.")] byte[] Data,
    [property: StringLength(100)] string? ContentType = null);

public sealed record FeedbackRequest(
    [property: Required(ErrorMessage = "The rating field is required."),
        RegularExpression("^(up|down)$", ErrorMessage = "The rating field must be \"up\" or \"down\".")] string Rating,
    [property: StringLength(2000)] string? Comment = null);

/// <summary><c>continueOn</c>: the chat apps this conversation can move to (see <c>POST …/continue</c>).</summary>
/// <summary><c>takenOver</c>: the name of the person answering in the assistant's place, while one does.</summary>
/// <summary><c>budgets</c>: in debug mode, each daily token budget of the chat client and what is left of it today.</summary>
/// <summary><c>voice</c>: whether the gateway reads replies aloud and transcribes recordings, and the voice usage so far.</summary>
public sealed record ChatView(
    Guid SessionId, string ClientName, ChatPageParameters Page, LimitingParameters Limits, LimitsApplied LimitsApplied,
    DateTime ExpiresAt, UsageView Usage, bool Replying, IReadOnlyList<MessageView> Messages, IReadOnlyList<IntegrationType> ContinueOn,
    string? TakenOver, IReadOnlyList<BudgetStanding>? Budgets = null, Voice.VoiceView? Voice = null);

/// <summary>What the talk page needs of a chat client; the context prompt and frame origins stay private.</summary>
public sealed record ChatPageParameters(
    string LanguageCode, string? PrimaryColor, string? PageTitle, string? HelloLabel, string? HelloSubLabel,
    string? TextAreaPlaceholder, string? LogoImageUrl, bool Debug, IReadOnlyList<SuggestionButton> SuggestionButtons, bool PrivacyMode,
    int? ProofOfWorkBits, bool AllowAttachments)
{
    public static ChatPageParameters Of(ClientParameters p) => new(
        p.LanguageCode, p.PrimaryColor, p.PageTitle, p.HelloLabel, p.HelloSubLabel, p.TextAreaPlaceholder, p.LogoImageUrl,
        p.Debug, p.SuggestionButtons, p.PrivacyMode, p.ProofOfWorkBits, p.AllowAttachments);
}

public static class TranscriptWriter
{
    public static ProblemHttpResult? RefuseFormat(string format) => format is "md" or "jsonl"
        ? null
        : ApiProblem.Invalid("format", "The format field must be \"md\" or \"jsonl\".");

    /// <summary>
    /// A conversation as a file to download: Markdown to read, JSON lines to process. Files are listed under their
    /// message with the URL <paramref name="urlOf"/> gives them, for whoever downloads the transcript.
    /// </summary>
    public static FileContentHttpResult Download(string title, Guid sessionId, IEnumerable<Message> messages, string format, Func<Attachment, string> urlOf)
    {
        var name = $"conversation-{sessionId}.{format}";
        return format == "md"
            ? TypedResults.File(Encoding.UTF8.GetBytes(Markdown(title, messages, urlOf)), "text/markdown; charset=utf-8", name)
            : TypedResults.File(Encoding.UTF8.GetBytes(JsonLines(messages, urlOf)), "application/jsonl; charset=utf-8", name);
    }

    public static string Markdown(string title, IEnumerable<Message> messages, Func<Attachment, string> urlOf)
    {
        var text = new StringBuilder().Append("# ").AppendLine(title).AppendLine();
        foreach (var m in messages)
        {
            var who = m.Role == MessageRole.User ? "User" : "Assistant";
            text.Append("**").Append(who).Append("** · ").Append(m.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append(" UTC");
            if (m.Status == MessageStatus.Incomplete) text.Append(" · incomplete");
            // Read from the database, a conversation in privacy mode has only its rows: say so rather than show blanks.
            text.AppendLine().AppendLine().AppendLine(m is { Private: true, Content: "" } ? "_Not stored: privacy mode._" : m.Content).AppendLine();
            foreach (var file in m.Files)
            {
                text.Append("- File: [").Append(MarkdownLinkText(file.Name)).Append("](").Append(urlOf(file)).Append(") · ").Append(file.ContentType)
                    .Append(" · ").Append(file.Size.ToString("N0", CultureInfo.InvariantCulture)).AppendLine(" bytes");
            }
            if (m.Files.Count > 0) text.AppendLine();
            if (m.Research is { } research)
            {
                foreach (var tool in research.Tools) text.Append("- Tool ").Append(tool.Name).Append(" (").Append(tool.Status).Append("): ").AppendLine(tool.Summary);
                foreach (var source in research.Sources) text.Append("- Source: [").Append(MarkdownLinkText(source.Title)).Append("](").Append(source.Url).AppendLine(")");
                text.AppendLine();
            }
        }
        return text.ToString();
    }

    // A file's name is the sender's text: brackets and backslashes would end the link early.
    static string MarkdownLinkText(string name) => name.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("[", "\\[", StringComparison.Ordinal).Replace("]", "\\]", StringComparison.Ordinal);

    public static string JsonLines(IEnumerable<Message> messages, Func<Attachment, string> urlOf)
    {
        var text = new StringBuilder();
        foreach (var m in messages) text.AppendLine(JsonSerializer.Serialize(MessageView.Of(m, urlOf), JsonSerializerOptions.Web));
        return text.ToString();
    }
}
