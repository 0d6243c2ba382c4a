using System.Text.Json;
using Parley.Conversations;
using StackExchange.Redis;

namespace Parley.Scaling;

/// <summary>
/// Session activity through Redis pub/sub, so an operator connected to one instance sees what happens on another.
/// Every instance, this one included, gets each activity from Redis once: local subscribers are reached the same way
/// whichever instance published.
/// </summary>
public sealed class RedisSessionActivityBus : ISessionActivityBus
{
    static readonly RedisChannel Channel = RedisChannel.Literal("parley:activity");

    readonly IConnectionMultiplexer redis;
    readonly SessionActivitySubscribers subscribers;

    public RedisSessionActivityBus(IConnectionMultiplexer redis, SessionActivitySubscribers subscribers)
    {
        this.redis = redis;
        this.subscribers = subscribers;
        redis.GetSubscriber().Subscribe(Channel, (_, message) =>
        {
            if (message.HasValue && JsonSerializer.Deserialize<SessionActivity>((string)message!, JsonSerializerOptions.Web) is { } activity)
                subscribers.Deliver(activity);
        });
    }

    // Fire and forget: Redis being slow or away must never hold a reply up.
    public void Publish(SessionActivity activity) =>
        redis.GetSubscriber().Publish(Channel, JsonSerializer.Serialize(activity, JsonSerializerOptions.Web), CommandFlags.FireAndForget);

    public IDisposable Subscribe(Guid? sessionId, Func<SessionActivity, Task> handler) => subscribers.Add(sessionId, handler);
}
