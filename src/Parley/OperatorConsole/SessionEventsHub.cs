using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Parley.Admin;
using Parley.Conversations;

namespace Parley.OperatorConsole;

/// <summary>
/// Real-time session events for operators (the console): a reply started, completed or failed, on any instance.
/// With Redis configured, the SignalR backplane carries the events between instances.
/// </summary>
[Authorize(Policy = AdminKeyAuthentication.Policy)]
public sealed class SessionEventsHub : Hub
{
    public const string Path = "/hubs/sessions";
    public const string AllSessions = "sessions:all";

    /// <summary>Receive the events of one session.</summary>
    public Task Watch(Guid sessionId) => Groups.AddToGroupAsync(Context.ConnectionId, Group(sessionId));

    public Task Unwatch(Guid sessionId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(sessionId));

    /// <summary>Receive the events of every session.</summary>
    public Task WatchAll() => Groups.AddToGroupAsync(Context.ConnectionId, AllSessions);

    public static string Group(Guid sessionId) => $"session:{sessionId:n}";
}

/// <summary>One event as the hub's clients receive it, under the method name "sessionEvent".</summary>
public sealed record SessionEvent(Guid SessionId, Guid MessageId, string Kind);

/// <summary>
/// Tells whoever watches: the hub's clients (external tools, with the admin key) and, through the activity bus, the
/// console and the session's talk page, on every instance.
/// </summary>
public sealed partial class SessionEvents(IHubContext<SessionEventsHub> hub, ISessionActivityBus bus, ILogger<SessionEvents> logger)
{
    public const string Method = "sessionEvent";

    /// <summary>Never fails the conversation: a missed live update is only that.</summary>
    public async Task PublishAsync(SessionActivity activity)
    {
        try
        {
            bus.Publish(activity);
            var payload = new SessionEvent(activity.SessionId, activity.MessageId ?? Guid.Empty, activity.Kind);
            await hub.Clients.Groups(SessionEventsHub.Group(activity.SessionId), SessionEventsHub.AllSessions).SendAsync(Method, payload);
        }
        catch (Exception ex)
        {
            LogNotSent(logger, ex, activity.Kind, activity.SessionId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Kind} event of session {SessionId} did not reach operators")]
    static partial void LogNotSent(ILogger logger, Exception exception, string kind, Guid sessionId);
}
