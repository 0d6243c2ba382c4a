using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Parley.Conversations;
using StackExchange.Redis;

namespace Parley.Scaling;

/// <summary>
/// Makes the events of a reply readable from other instances, so a page connected to instance B can follow a
/// reply that instance A generates.
/// </summary>
public interface IReplyFeed
{
    void Open(Guid sessionId);
    void Publish(Guid sessionId, SseItem<object> item);
    void Close(Guid sessionId);

    /// <summary>The events of a reply another instance is generating, from the first; empty when there is none.</summary>
    IAsyncEnumerable<SseItem<object>> FollowAsync(Guid sessionId, CancellationToken ct);
}

public sealed class LocalReplyFeed : IReplyFeed
{
    public void Open(Guid sessionId) { }
    public void Publish(Guid sessionId, SseItem<object> item) { }
    public void Close(Guid sessionId) { }
    public IAsyncEnumerable<SseItem<object>> FollowAsync(Guid sessionId, CancellationToken ct) => AsyncEnumerable.Empty<SseItem<object>>();
}

/// <summary>
/// A Redis stream per reply: replayable from the start and readable while it grows. Writes are fire-and-forget
/// (pipelined in order on one connection), so Redis never slows the tokens down on their way to the local reader.
/// </summary>
public sealed class RedisReplyFeed(IConnectionMultiplexer redis) : IReplyFeed
{
    static readonly TimeSpan KeepAfterEnd = TimeSpan.FromMinutes(2);
    static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(25);

    static RedisKey Key(Guid sessionId) => $"parley:session:{sessionId:n}:reply";

    public void Open(Guid sessionId) => redis.GetDatabase().KeyDelete(Key(sessionId), CommandFlags.FireAndForget);

    public void Publish(Guid sessionId, SseItem<object> item) => redis.GetDatabase().StreamAdd(
        Key(sessionId),
        [new("t", item.EventType), new("d", JsonSerializer.Serialize(item.Data, JsonSerializerOptions.Web))],
        maxLength: 100_000, useApproximateMaxLength: true, flags: CommandFlags.FireAndForget);

    public void Close(Guid sessionId) => redis.GetDatabase().KeyExpire(Key(sessionId), KeepAfterEnd, CommandFlags.FireAndForget);

    public async IAsyncEnumerable<SseItem<object>> FollowAsync(Guid sessionId, [EnumeratorCancellation] CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var key = Key(sessionId);
        var lockKey = RedisReplyLocks.Key(sessionId);
        RedisValue after = "-";
        while (!ct.IsCancellationRequested)
        {
            // StackExchange.Redis multiplexes one connection and so cannot block on XREAD; a short poll stands in.
            var entries = await db.StreamRangeAsync(key, after == "-" ? "-" : "(" + after, "+", count: 500);
            foreach (var entry in entries)
            {
                after = entry.Id;
                var type = (string)entry["t"]!;
                yield return ChatEvents.Parse(type, (string)entry["d"]!);
                if (type is "done" or "error") yield break;
            }
            if (entries.Length > 0) continue;
            // No lock and nothing new after it was gone: the generating instance died, nothing more will come.
            if (!await db.KeyExistsAsync(lockKey) && (await db.StreamRangeAsync(key, "(" + after, "+", count: 1)).Length == 0) yield break;
            await Task.Delay(PollEvery, ct);
        }
    }
}
