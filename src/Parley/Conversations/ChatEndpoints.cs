using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Api;
using Parley.ChatClients;
using Parley.Sessions;

namespace Parley.Conversations;

/// <summary>The session API: the access key in the path is the only credential, and it opens one session.</summary>
public static class ChatEndpoints
{
    public static IEndpointRouteBuilder MapChatEndpoints(this IEndpointRouteBuilder app)
    {
        var chat = app.MapGroup("/api/v1/chat/{accessKey}").WithTags("Session chat");

        chat.MapGet("/", GetChat);
        chat.MapPost("/messages", SendMessage);
        chat.MapPost("/retry", Retry);
        chat.MapDelete("/messages", Clear);
        chat.MapGet("/transcript", Transcript);
        return app;
    }

    static async Task<Results<Ok<Envelope<ChatView>>, ProblemHttpResult>> GetChat(
        string accessKey, ConversationService conversations, ReplyRegistry replies, TokenCounter tokens, CancellationToken ct)
    {
        if (await conversations.FindAsync(accessKey, ct) is not { } context) return UnknownKey();
        if (conversations.RefuseIfExpired(context) is { } expired) return expired;

        var session = context.Session;
        var messages = await conversations.Visible(session.Id).AsNoTracking()
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).ToListAsync(ct);
        var view = new ChatView(
            session.Id,
            context.Client.Name,
            ChatPageParameters.Of(context.Client.ClientParameters),
            context.Client.LimitingParameters,
            LimitsApplied.For(context.Client.LimitingParameters, tokens, context.Gateway.Parameters.ModelName),
            session.ExpiresAt,
            new UsageView(session.InputTokens, session.OutputTokens, "total"),
            replies.Current(session.Id) is not null,
            messages.Select(MessageView.Of).ToList());
        return TypedResults.Ok(Envelope.Of(view));
    }

    static async Task<Results<ServerSentEventsResult<object>, ProblemHttpResult>> SendMessage(
        string accessKey, SendMessageRequest request, ConversationService conversations, HttpContext http, CancellationToken ct)
    {
        if (await conversations.FindAsync(accessKey, ct) is not { } context) return UnknownKey();
        var outcome = await conversations.SendAsync(context, request.Content, ct);
        return outcome.Refusal is { } refusal ? refusal : Stream(outcome.Run!, http, ct);
    }

    static async Task<Results<ServerSentEventsResult<object>, ProblemHttpResult>> Retry(
        string accessKey, ConversationService conversations, HttpContext http, CancellationToken ct)
    {
        if (await conversations.FindAsync(accessKey, ct) is not { } context) return UnknownKey();
        var outcome = await conversations.RetryAsync(context, ct);
        return outcome.Refusal is { } refusal ? refusal : Stream(outcome.Run!, http, ct);
    }

    static async Task<Results<Ok<Envelope<object?>>, ProblemHttpResult>> Clear(
        string accessKey, ConversationService conversations, CancellationToken ct)
    {
        if (await conversations.FindAsync(accessKey, ct) is not { } context) return UnknownKey();
        if (conversations.RefuseIfExpired(context) is { } expired) return expired;
        await conversations.ClearAsync(context, ct);
        return TypedResults.Ok(Envelope.Of<object?>(null, "The conversation was cleared."));
    }

    static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Transcript(
        string accessKey, ConversationService conversations, CancellationToken ct, string format = "md")
    {
        if (format is not ("md" or "jsonl")) return ApiProblem.Invalid("format", "The format field must be \"md\" or \"jsonl\".");
        if (await conversations.FindAsync(accessKey, ct) is not { } context) return UnknownKey();

        var messages = await conversations.Visible(context.Session.Id).AsNoTracking()
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).ToListAsync(ct);
        var title = context.Client.ClientParameters.PageTitle ?? context.Client.Name;
        var name = $"conversation-{context.Session.Id}.{format}";
        return format == "md"
            ? TypedResults.File(Encoding.UTF8.GetBytes(TranscriptWriter.Markdown(title, messages)), "text/markdown; charset=utf-8", name)
            : TypedResults.File(Encoding.UTF8.GetBytes(TranscriptWriter.JsonLines(messages)), "application/jsonl; charset=utf-8", name);
    }

    /// <summary>
    /// Follows the reply without owning it: when the caller goes away only the reading stops, and the reply is
    /// still generated and stored.
    /// </summary>
    static ServerSentEventsResult<object> Stream(ReplyRun run, HttpContext http, CancellationToken ct)
    {
        // Proxies such as nginx buffer responses unless told not to, which would deliver the reply in one burst.
        http.Response.Headers["X-Accel-Buffering"] = "no";
        http.Response.Headers.CacheControl = "no-cache, no-transform";
        return TypedResults.ServerSentEvents(run.ReadAllAsync(ct));
    }

    static ProblemHttpResult UnknownKey() => ApiProblem.Create(StatusCodes.Status404NotFound, "session_not_found",
        "This conversation link is not valid. Ask for a new one.");
}

public sealed record SendMessageRequest(
    [property: Required(ErrorMessage = "The content field is required and must not be blank."), StringLength(100_000)] string Content);

public sealed record ChatView(
    Guid SessionId, string ClientName, ChatPageParameters Page, LimitingParameters Limits, LimitsApplied LimitsApplied,
    DateTime ExpiresAt, UsageView Usage, bool Replying, IReadOnlyList<MessageView> Messages);

/// <summary>What the talk page needs of a chat client; the context prompt and frame origins stay private.</summary>
public sealed record ChatPageParameters(
    string LanguageCode, string? PrimaryColor, string? PageTitle, string? HelloLabel, string? HelloSubLabel,
    string? TextAreaPlaceholder, string? LogoImageUrl, bool Debug, IReadOnlyList<SuggestionButton> SuggestionButtons)
{
    public static ChatPageParameters Of(ClientParameters p) => new(
        p.LanguageCode, p.PrimaryColor, p.PageTitle, p.HelloLabel, p.HelloSubLabel, p.TextAreaPlaceholder, p.LogoImageUrl,
        p.Debug, p.SuggestionButtons);
}

public static class TranscriptWriter
{
    public static string Markdown(string title, IEnumerable<Message> messages)
    {
        var text = new StringBuilder().Append("# ").AppendLine(title).AppendLine();
        foreach (var m in messages)
        {
            var who = m.Role == MessageRole.User ? "User" : "Assistant";
            text.Append("**").Append(who).Append("** · ").Append(m.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append(" UTC");
            if (m.Status == MessageStatus.Incomplete) text.Append(" · incomplete");
            text.AppendLine().AppendLine().AppendLine(m.Content).AppendLine();
        }
        return text.ToString();
    }

    public static string JsonLines(IEnumerable<Message> messages)
    {
        var text = new StringBuilder();
        foreach (var m in messages) text.AppendLine(JsonSerializer.Serialize(MessageView.Of(m), JsonSerializerOptions.Web));
        return text.ToString();
    }
}
