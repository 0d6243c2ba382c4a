using System.Net.ServerSentEvents;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Parley.Attachments;
using Parley.ChatClients;
using Parley.Conversations;
using Parley.Data;
using Parley.Sessions;

namespace Parley.OperatorConsole.Chats;

/// <summary>An assistant as the console shows it: a chat client's name and its avatar (logo, or initials on its colour).</summary>
public sealed record Assistant(
    Guid Id, string Name, string? LogoUrl, string? Color, bool MasksPersonalData = false, bool PrivacyMode = false, bool TakesFiles = false)
{
    public static Assistant Of(ChatClient client) => new(client.Id, client.Name, client.ClientParameters.LogoImageUrl,
        client.ClientParameters.PrimaryColor, client.ClientParameters.MaskPersonalData, client.ClientParameters.PrivacyMode,
        client.ClientParameters.AllowAttachments);
}

/// <summary>
/// One row of the sessions list. <paramref name="Preview"/> is the start of the last message; <paramref name="TakenOverBy"/>
/// the name of the person answering in the assistant's place, when one is.
/// </summary>
public sealed record SessionRow(
    Guid Id, Assistant Assistant, string? Tag, string Channel, DateTime CreatedAt, string? Preview, bool Unread, string? TakenOverBy = null);

/// <summary>A session opened in the chat panel, and the reply being generated in it when there is one.</summary>
public sealed record OpenedChat(ChatThread Thread, IAsyncEnumerable<SseItem<object>>? RunningReply);

/// <summary>A session's conversation as it is now: its finished messages, and the reply being generated when there is one.</summary>
public sealed record ChatState(IReadOnlyList<Message> Messages, IAsyncEnumerable<SseItem<object>>? RunningReply);

/// <summary>
/// Everything the Chats workspace reads and changes. A Blazor circuit lives as long as the operator keeps the page
/// open, so each call runs in a DI scope of its own (its own DbContext) instead of the circuit's.
/// </summary>
public sealed class ChatsWorkspace(IServiceScopeFactory scopes, TimeProvider clock)
{
    public const int PageSize = 50;
    const int PreviewLength = 160;

    /// <summary>A console chat is a test or a demonstration; a day keeps it open across a working day's pauses.</summary>
    static readonly TimeSpan ConsoleSessionLifetime = TimeSpan.FromDays(1);

    /// <summary>Who reads: an operator account's id, or <see cref="SessionSeen.AdminReader"/> for the admin key.</summary>
    public static string ReaderOf(ClaimsPrincipal user) => user.OperatorId()?.ToString() ?? SessionSeen.AdminReader;

    /// <summary>Who answers end users when this operator takes a conversation over: their display name, or "Support" with the admin key.</summary>
    public static OperatorRef AnswererOf(ClaimsPrincipal user) =>
        user.OperatorId() is { } id ? new(id.ToString(), user.Identity?.Name ?? "") : OperatorRef.Admin(null);

    public DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<IReadOnlyList<Assistant>> AssistantsAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await AssistantsAsync(Db(scope), ct);
    }

    /// <summary>
    /// A page of sessions, the one with the newest message first, optionally those matching <paramref name="search"/> (see
    /// <see cref="SessionSearch"/>); one more row is read than returned, to know whether there are more.
    /// </summary>
    public async Task<(IReadOnlyList<SessionRow> Rows, bool HasMore)> SessionsAsync(string? search, int skip, string reader, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = Db(scope);
        var assistants = (await AssistantsAsync(db, ct)).ToDictionary(a => a.Id);
        var sessions = db.Sessions.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var named = assistants.Values.Where(a => a.Name.Contains(search.Trim(), StringComparison.CurrentCultureIgnoreCase)).Select(a => a.Id).ToList();
            sessions = SessionSearch.Matching(db, search, named);
        }
        var page = sessions.OrderByDescending(s => s.LastMessageAt).ThenByDescending(s => s.Id).Skip(skip).Take(PageSize + 1);
        var rows = await Rows(db, page, reader).ToListAsync(ct);
        return ([.. rows.Take(PageSize).Select(r => r.ToRow(assistants)).OfType<SessionRow>()], rows.Count > PageSize);
    }

    /// <summary>One session's row as it is now, or null when the session is gone.</summary>
    public async Task<SessionRow?> RowAsync(Guid sessionId, string reader, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await RowAsync(Db(scope), sessionId, reader, ct);
    }

    /// <summary>Opens a session for the chat panel and marks it read by <paramref name="reader"/>; null when it is gone.</summary>
    public async Task<OpenedChat?> OpenAsync(Guid sessionId, string reader, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = Db(scope);
        var conversations = scope.ServiceProvider.GetRequiredService<ConversationService>();
        var access = await conversations.OpenAsync(sessionId, ct);
        if (access.Context is null || await RowAsync(db, sessionId, reader, ct) is not { } row) return null;

        var state = await StateAsync(scope, sessionId, ct);
        await MarkSeenAsync(db, sessionId, reader, ct);
        return new OpenedChat(new ChatThread(this, row with { Unread = false }, access.State == SessionState.Expired, state.Messages), state.RunningReply);
    }

    /// <summary>The conversation of an open session again, after something changed it elsewhere.</summary>
    public async Task<ChatState> StateAsync(Guid sessionId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await StateAsync(scope, sessionId, ct);
    }

    static async Task<ChatState> StateAsync(AsyncServiceScope scope, Guid sessionId, CancellationToken ct)
    {
        // Following first: a reply still running is shown from its first token. A reply row still marked generating is
        // left out rather than settled: without the session's lock, a reply that began a moment ago on another
        // instance would look abandoned. Whoever sends next settles one that really was.
        var running = await scope.ServiceProvider.GetRequiredService<ReplyRegistry>().FollowAsync(sessionId, ct);
        var messages = await scope.ServiceProvider.GetRequiredService<ConversationService>().ConversationAsync(sessionId, settleAbandoned: false, ct);
        return new ChatState(messages, running);
    }

    /// <summary>The assistant stops answering the session, and <paramref name="by"/> answers the end user instead.</summary>
    public Task<ConversationRefusal?> TakeOverAsync(Guid sessionId, OperatorRef by, CancellationToken ct) =>
        WithOpenSessionAsync(sessionId, (conversations, context) => conversations.TakeOverAsync(context, by, ct), ct);

    public Task<ConversationRefusal?> HandBackAsync(Guid sessionId, CancellationToken ct) =>
        WithOpenSessionAsync(sessionId, (conversations, context) => conversations.HandBackAsync(context, ct), ct);

    /// <summary>An answer of <paramref name="by"/> in a session taken over: to the end user, on whatever channel they are.</summary>
    public async Task<ConversationRefusal?> AnswerAsync(Guid sessionId, OperatorRef by, string text, CancellationToken ct)
    {
        ConversationRefusal? refused = null;
        var unusable = await WithOpenSessionAsync(sessionId, async (conversations, context) =>
            refused = await conversations.SendAsOperatorAsync(context, by, text, ct), ct);
        return unusable ?? refused;
    }

    async Task<ConversationRefusal?> WithOpenSessionAsync(Guid sessionId, Func<ConversationService, SessionContext, Task> act, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var conversations = scope.ServiceProvider.GetRequiredService<ConversationService>();
        var access = await conversations.OpenAsync(sessionId, ct);
        if (access.Open is not { } context) return access.Refusal;
        await act(conversations, context);
        return null;
    }

    /// <summary>A new console session with the chat client; null when the client is gone.</summary>
    public async Task<Guid?> StartAsync(Guid clientId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        if (!await Db(scope).ChatClients.AnyAsync(c => c.Id == clientId, ct)) return null;
        var issued = await scope.ServiceProvider.GetRequiredService<SessionService>()
            .OpenAsync(clientId, tag: null, extraContext: null, ConsoleSessionLifetime, ct, SessionChannels.Console);
        return issued.SessionId;
    }

    /// <summary>The operator's message, through the conversation core like every channel's: the same limits, history and usage.</summary>
    public async Task<StartOutcome> SendAsync(Guid sessionId, string text, IReadOnlyList<IncomingFile> files, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var conversations = scope.ServiceProvider.GetRequiredService<ConversationService>();
        var access = await conversations.OpenAsync(sessionId, ct);
        return access.Open is { } context
            ? await conversations.SendAsync(context, new UserMessage(text, Files: files), ct)
            : new StartOutcome(null, access.Refusal);
    }

    public async Task<bool> DeleteAsync(Guid sessionId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SessionErasure>().DeleteAsync(Db(scope).Sessions.Where(s => s.Id == sessionId), ct) > 0;
    }

    public async Task MarkSeenAsync(Guid sessionId, string reader, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await MarkSeenAsync(Db(scope), sessionId, reader, ct);
    }

    /// <summary>The title and the finished messages of a session, for its transcript; null when it is gone.</summary>
    public async Task<(string Title, List<Message> Messages)?> TranscriptAsync(Guid sessionId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = Db(scope);
        var client = await db.Sessions.AsNoTracking().Where(s => s.Id == sessionId)
            .Join(db.ChatClients, s => s.ChatClientId, c => c.Id, (s, c) => c)
            .SingleOrDefaultAsync(ct);
        if (client is null) return null;
        var messages = await db.Messages.AsNoTracking()
            .Where(m => m.SessionId == sessionId && m.ClearedAt == null && m.Status != MessageStatus.Generating)
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
            .ToListAsync(ct);
        if (client.ClientParameters.MaskPersonalData) PersonalData.MaskAll(messages);
        await scope.ServiceProvider.GetRequiredService<ConversationFiles>().LoadAsync(messages, ct);
        return (client.ClientParameters.PageTitle ?? client.Name, messages);
    }

    static AppDb Db(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<AppDb>();

    // Chat clients are few, and their parameters are one JSON column: read them whole.
    static async Task<IReadOnlyList<Assistant>> AssistantsAsync(AppDb db, CancellationToken ct) =>
        [.. (await db.ChatClients.AsNoTracking().ToListAsync(ct)).Select(Assistant.Of).OrderBy(a => a.Name, StringComparer.CurrentCultureIgnoreCase)];

    static async Task<SessionRow?> RowAsync(AppDb db, Guid sessionId, string reader, CancellationToken ct)
    {
        var row = await Rows(db, db.Sessions.AsNoTracking().Where(s => s.Id == sessionId), reader).SingleOrDefaultAsync(ct);
        if (row is null) return null;
        var client = await db.ChatClients.AsNoTracking().SingleOrDefaultAsync(c => c.Id == row.ChatClientId, ct);
        return client is null ? null : row.ToRow(new Dictionary<Guid, Assistant> { [client.Id] = Assistant.Of(client) });
    }

    /// <summary>The rows of a page of sessions: the last message and this reader's marker are looked up per row, by index.</summary>
    static IQueryable<RowData> Rows(AppDb db, IQueryable<Session> sessions, string reader) => sessions.Select(s => new RowData(
        s.Id, s.ChatClientId, s.Tag, s.Channel, s.CreatedAt, s.TakenOverBy == null ? null : s.TakenOverName ?? "",
        db.Messages.Where(m => m.SessionId == s.Id && m.ClearedAt == null && m.Content != "")
            .OrderByDescending(m => m.CreatedAt).Select(m => m.Content.Substring(0, PreviewLength)).FirstOrDefault(),
        db.Messages.Where(m => m.SessionId == s.Id && m.ClearedAt == null).Max(m => (DateTime?)m.CreatedAt),
        db.SessionsSeen.Where(x => x.SessionId == s.Id && x.Reader == reader).Select(x => (DateTime?)x.SeenUpTo).FirstOrDefault()));

    static async Task MarkSeenAsync(AppDb db, Guid sessionId, string reader, CancellationToken ct)
    {
        var last = await db.Messages.Where(m => m.SessionId == sessionId).MaxAsync(m => (DateTime?)m.CreatedAt, ct);
        if (last is not { } upTo) return;
        var marker = db.SessionsSeen.Where(x => x.SessionId == sessionId && x.Reader == reader);
        if (await marker.ExecuteUpdateAsync(x => x.SetProperty(p => p.SeenUpTo, upTo), ct) > 0) return;
        db.SessionsSeen.Add(new SessionSeen { SessionId = sessionId, Reader = reader, SeenUpTo = upTo });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The same reader in another tab got there first, or the session was just deleted: nothing left to mark.
        }
    }

    sealed record RowData(
        Guid Id, Guid ChatClientId, string? Tag, string Channel, DateTime CreatedAt, string? TakenOverBy, string? Preview, DateTime? LastAt, DateTime? SeenUpTo)
    {
        /// <summary>Null when the chat client was created or deleted between the two reads: the next read shows it right.</summary>
        public SessionRow? ToRow(Dictionary<Guid, Assistant> assistants) => assistants.TryGetValue(ChatClientId, out var assistant)
            ? new(Id, assistant, Tag, Channel, CreatedAt, Preview is null ? null : OneLine(PersonalData.MaskIf(assistant.MasksPersonalData, SafeMarkdown.PlainText(Preview))),
                LastAt > (SeenUpTo ?? DateTime.MinValue), TakenOverBy)
            : null;

        static string OneLine(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }
}
