using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Parley.Scaling;

/// <summary>One reply at a time per session, across every instance that shares the lock store.</summary>
public interface IReplyLocks
{
    /// <summary>Takes the session's lock, or returns null while another instance holds it.</summary>
    Task<IAsyncDisposable?> TryAcquireAsync(Guid sessionId);

    /// <summary>Whether any instance holds the session's lock.</summary>
    Task<bool> IsHeldAsync(Guid sessionId);

    /// <summary>Takes the lock of a chat app's conversation, so one instance works it at a time; null while another does.</summary>
    Task<IAsyncDisposable?> TryAcquireChatAsync(Guid integrationId, string chatId);
}

/// <summary>One instance: the reply registry's own bookkeeping is the lock.</summary>
public sealed class LocalReplyLocks : IReplyLocks
{
    static readonly IAsyncDisposable Nothing = new NoLock();

    public Task<IAsyncDisposable?> TryAcquireAsync(Guid sessionId) => Task.FromResult<IAsyncDisposable?>(Nothing);

    public Task<bool> IsHeldAsync(Guid sessionId) => Task.FromResult(false);

    // The channel worker works each chat once at a time on its own; with one instance there is no one else.
    public Task<IAsyncDisposable?> TryAcquireChatAsync(Guid integrationId, string chatId) => Task.FromResult<IAsyncDisposable?>(Nothing);

    sealed class NoLock : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>
/// A Redis lock with a time to live, extended while the reply runs: if the instance dies, the lock expires and
/// another instance may answer the session.
/// </summary>
public sealed partial class RedisReplyLocks(IConnectionMultiplexer redis, IOptions<RedisOptions> options, ILogger<RedisReplyLocks> logger)
    : IReplyLocks
{
    readonly string owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():n}";
    readonly ILogger logger = logger;
    TimeSpan Ttl => TimeSpan.FromSeconds(options.Value.SessionLockSeconds);

    internal static RedisKey Key(Guid sessionId) => $"parley:session:{sessionId:n}:replying";

    public Task<IAsyncDisposable?> TryAcquireAsync(Guid sessionId) => TryTakeAsync(Key(sessionId));

    public Task<IAsyncDisposable?> TryAcquireChatAsync(Guid integrationId, string chatId) =>
        TryTakeAsync($"parley:chat:{integrationId:n}:{chatId}:working");

    async Task<IAsyncDisposable?> TryTakeAsync(RedisKey key)
    {
        var db = redis.GetDatabase();
        if (!await db.LockTakeAsync(key, owner, Ttl)) return null;
        return new Hold(this, db, key);
    }

    public Task<bool> IsHeldAsync(Guid sessionId) => redis.GetDatabase().KeyExistsAsync(Key(sessionId));

    sealed class Hold : IAsyncDisposable
    {
        readonly RedisReplyLocks locks;
        readonly IDatabase db;
        readonly RedisKey key;
        readonly CancellationTokenSource stop = new();
        readonly Task renewing;

        public Hold(RedisReplyLocks locks, IDatabase db, RedisKey key)
        {
            this.locks = locks;
            this.db = db;
            this.key = key;
            renewing = RenewAsync();
        }

        async Task RenewAsync()
        {
            using var timer = new PeriodicTimer(locks.Ttl / 3);
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                {
                    try
                    {
                        if (!await db.LockExtendAsync(key, locks.owner, locks.Ttl)) LogLockLost(locks.logger, key.ToString());
                    }
                    catch (RedisException ex)
                    {
                        // Redis restarting: keep generating; the next tick tries again.
                        LogRenewFailed(locks.logger, ex, key.ToString());
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await renewing;
            stop.Dispose();
            try
            {
                await db.LockReleaseAsync(key, locks.owner);
            }
            catch (RedisException ex)
            {
                // The lock expires by itself.
                LogRenewFailed(locks.logger, ex, key.ToString());
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reply lock {Key} was lost; another instance may answer the session")]
    static partial void LogLockLost(ILogger logger, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis did not take the reply lock {Key} update")]
    static partial void LogRenewFailed(ILogger logger, Exception exception, string key);
}
