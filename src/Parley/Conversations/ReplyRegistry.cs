using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using Microsoft.Extensions.Options;
using Parley.Hosting;
using Parley.Scaling;

namespace Parley.Conversations;

/// <summary>
/// The replies being generated on this instance, and the session locks that keep it to one reply per session
/// across instances. Generation outlives the request that started it; on shutdown, replies get a grace period to
/// finish and are then cut off and stored as incomplete.
/// </summary>
public sealed class ReplyRegistry(IReplyLocks locks, IReplyFeed feed, IOptions<ParleyOptions> options) : IHostedLifecycleService, IDisposable
{
    readonly ConcurrentDictionary<Guid, ReplyRun> active = new();
    readonly ConcurrentDictionary<Task, byte> working = new();
    readonly CancellationTokenSource stopping = new();

    public CancellationToken Stopping => stopping.Token;

    /// <summary>Claims the session for a new reply, or returns null while a reply is being generated anywhere.</summary>
    public async Task<ReplyRun?> TryBeginAsync(Guid sessionId)
    {
        var run = new ReplyRun(item => feed.Publish(sessionId, item));
        if (!active.TryAdd(sessionId, run)) return null;
        try
        {
            run.Lock = await locks.TryAcquireAsync(sessionId);
        }
        finally
        {
            // Refused or failed (Redis down): the session must not stay claimed here.
            if (run.Lock is null) active.TryRemove(new KeyValuePair<Guid, ReplyRun>(sessionId, run));
        }
        if (run.Lock is null) return null;
        feed.Open(sessionId);
        return run;
    }

    /// <summary>
    /// Frees the session, then tells readers the reply ended with <paramref name="final"/>: whoever reads the end may
    /// send the next message at once, here or on another instance.
    /// </summary>
    public async Task EndAsync(Guid sessionId, ReplyRun run, SseItem<object>? final = null)
    {
        // Ending twice (a failure after the end was told) changes nothing.
        if (!active.TryRemove(new KeyValuePair<Guid, ReplyRun>(sessionId, run)) && run.IsComplete) return;
        try
        {
            // Followers on other instances get the end before the lock goes, so they never mistake the release for a crash.
            if (final is { } last) feed.Publish(sessionId, last);
            feed.Close(sessionId);
            if (run.Lock is { } held) await held.DisposeAsync();
        }
        finally
        {
            // Readers, the next message and shutdown wait for this: it happens whatever the shared state did above.
            if (final is { } end) run.Append(end, mirror: false);
            run.Complete();
        }
    }

    /// <summary>Owns a reply's background work: shutdown waits for it, and it leaves the list when it is done.</summary>
    public void Track(Task work)
    {
        working.TryAdd(work, 0);
        _ = work.ContinueWith(done => working.TryRemove(done, out _),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Whether a reply is being generated for the session, here or on another instance.</summary>
    public async Task<bool> IsReplyingAsync(Guid sessionId) => active.ContainsKey(sessionId) || await locks.IsHeldAsync(sessionId);

    /// <summary>The events of the reply being generated for the session, from its first; null when there is none.</summary>
    public async Task<IAsyncEnumerable<SseItem<object>>?> FollowAsync(Guid sessionId, CancellationToken ct)
    {
        if (active.TryGetValue(sessionId, out var local)) return local.ReadAllAsync(ct);
        return await locks.IsHeldAsync(sessionId) ? feed.FollowAsync(sessionId, ct) : null;
    }

    /// <summary>
    /// How long cut-off replies get to be stored. The host's shutdown timeout is the grace period plus this and a
    /// little more (see <see cref="ConversationSetup"/>).
    /// </summary>
    public static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs before any hosted service stops, the web server included, so the streams of the replies are still open
    /// to carry their last event: <c>done</c> for replies that finish within the grace period, <c>error</c>
    /// <c>server_stopping</c> for the others, cut off and stored as incomplete.
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var grace = TimeSpan.FromSeconds(options.Value.ShutdownGraceSeconds);
        await Task.WhenAny(AllFinished(), Task.Delay(grace, cancellationToken));
        await stopping.CancelAsync();
        await Task.WhenAny(Task.WhenAll(AllFinished(), Task.WhenAll(working.Keys)), Task.Delay(StoreTimeout, CancellationToken.None));
    }

    Task AllFinished() => Task.WhenAll(active.Values.Select(r => r.Finished));

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => stopping.Dispose();
}
