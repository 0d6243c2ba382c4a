using System.Collections.Concurrent;

namespace Parley.Conversations;

/// <summary>
/// Something that happened in a session, for whoever watches it live: operators in the console (the sessions list
/// and an open chat), and the session's own talk page (a person answering). <c>Text</c> is the message when there is
/// one: a preview of the user's (reply-started) or the reply's (reply-completed), or an operator's whole message.
/// </summary>
public sealed record SessionActivity(
    Guid SessionId, Guid ChatClientId, string Kind, DateTime At, Guid? MessageId = null, string? Text = null, string? AuthorName = null);

public static class SessionActivityKinds
{
    /// <summary>The user's message is stored and the assistant started answering it.</summary>
    public const string ReplyStarted = "reply-started";
    public const string ReplyCompleted = "reply-completed";
    public const string ReplyFailed = "reply-failed";
    /// <summary>The user's message is stored and waits for the person who took the conversation over.</summary>
    public const string MessageHeld = "message-held";
    /// <summary>A person of the business answered in the assistant's place.</summary>
    public const string OperatorMessage = "operator-message";
    public const string TakenOver = "taken-over";
    public const string HandedBack = "handed-back";
}

/// <summary>
/// Carries <see cref="SessionActivity"/> to every subscriber on every instance: in memory with one instance, through
/// Redis when instances share state. Publishing never fails the conversation: a missed live update is only that.
/// </summary>
public interface ISessionActivityBus
{
    void Publish(SessionActivity activity);

    /// <summary>Receives the activity of one session, or of all with <paramref name="sessionId"/> null, until disposed.</summary>
    IDisposable Subscribe(Guid? sessionId, Func<SessionActivity, Task> handler);
}

/// <summary>The subscribers of this instance, and how an activity reaches them.</summary>
public sealed partial class SessionActivitySubscribers(ILogger<SessionActivitySubscribers> logger)
{
    readonly ConcurrentDictionary<Subscription, byte> subscriptions = new();

    public IDisposable Add(Guid? sessionId, Func<SessionActivity, Task> handler)
    {
        var subscription = new Subscription(this, sessionId, handler);
        subscriptions.TryAdd(subscription, 0);
        return subscription;
    }

    /// <summary>Hands the activity to every interested subscriber; one that throws is logged and the others still get it.</summary>
    public void Deliver(SessionActivity activity)
    {
        foreach (var subscription in subscriptions.Keys)
        {
            if (subscription.SessionId is { } id && id != activity.SessionId) continue;
            _ = DeliverAsync(subscription, activity);
        }
    }

    async Task DeliverAsync(Subscription subscription, SessionActivity activity)
    {
        try
        {
            await subscription.Handler(activity);
        }
        catch (Exception ex)
        {
            LogSubscriberFailed(logger, ex, activity.Kind, activity.SessionId);
        }
    }

    sealed class Subscription(SessionActivitySubscribers owner, Guid? sessionId, Func<SessionActivity, Task> handler) : IDisposable
    {
        public Guid? SessionId { get; } = sessionId;
        public Func<SessionActivity, Task> Handler { get; } = handler;
        public void Dispose() => owner.subscriptions.TryRemove(this, out _);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A watcher of session {SessionId} failed to take its {Kind} activity")]
    static partial void LogSubscriberFailed(ILogger logger, Exception exception, string kind, Guid sessionId);
}

/// <summary>One instance: activity goes straight to this instance's subscribers.</summary>
public sealed class LocalSessionActivityBus(SessionActivitySubscribers subscribers) : ISessionActivityBus
{
    public void Publish(SessionActivity activity) => subscribers.Deliver(activity);

    public IDisposable Subscribe(Guid? sessionId, Func<SessionActivity, Task> handler) => subscribers.Add(sessionId, handler);
}
