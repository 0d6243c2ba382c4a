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
public sealed class ReplyRegistry(IReplyLocks locks, IReplyFeed feed, IOptions<ParleyOptions> options) : IHostedService, IDisposable
{
    readonly ConcurrentDictionary<Guid, ReplyRun> active = new();
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
        active.TryRemove(new KeyValuePair<Guid, ReplyRun>(sessionId, run));
        // Followers on other instances get the end before the lock goes, so they never mistake the release for a crash.
        if (final is { } last) feed.Publish(sessionId, last);
        feed.Close(sessionId);
        if (run.Lock is { } held) await held.DisposeAsync();
        if (final is { } end) run.Append(end, mirror: false);
        run.Complete();
    }

    /// <summary>Whether a reply is being generated for the session, here or on another instance.</summary>
    public async Task<bool> IsReplyingAsync(Guid sessionId) => active.ContainsKey(sessionId) || await locks.IsHeldAsync(sessionId);

    /// <summary>The events of the reply being generated for the session, from its first; null when there is none.</summary>
    public async Task<IAsyncEnumerable<SseItem<object>>?> FollowAsync(Guid sessionId, CancellationToken ct)
    {
        if (active.TryGetValue(sessionId, out var local)) return local.ReadAllAsync(ct);
        return await locks.IsHeldAsync(sessionId) ? feed.FollowAsync(sessionId, ct) : null;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var running = Task.WhenAll(active.Values.Select(r => r.Finished));
        await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(options.Value.ShutdownGraceSeconds), cancellationToken));
        await stopping.CancelAsync();
        await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
    }

    public void Dispose() => stopping.Dispose();
}
