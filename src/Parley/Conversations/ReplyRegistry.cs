using System.Collections.Concurrent;

namespace Parley.Conversations;

/// <summary>
/// The replies being generated on this instance, one per session at most. Generation outlives the request that
/// started it; on shutdown, replies get a grace period to finish and are then cut off and stored as incomplete.
/// </summary>
public sealed class ReplyRegistry : IHostedService, IDisposable
{
    static readonly TimeSpan Grace = TimeSpan.FromSeconds(20);

    readonly ConcurrentDictionary<Guid, ReplyRun> active = new();
    readonly CancellationTokenSource stopping = new();

    public CancellationToken Stopping => stopping.Token;

    /// <summary>Claims the session for a new reply, or returns null while another reply is being generated.</summary>
    public ReplyRun? TryBegin(Guid sessionId)
    {
        var run = new ReplyRun();
        return active.TryAdd(sessionId, run) ? run : null;
    }

    public ReplyRun? Current(Guid sessionId) => active.GetValueOrDefault(sessionId);

    public void End(Guid sessionId, ReplyRun run)
    {
        active.TryRemove(new KeyValuePair<Guid, ReplyRun>(sessionId, run));
        run.Complete();
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var running = Task.WhenAll(active.Values.Select(r => r.Finished));
        await Task.WhenAny(running, Task.Delay(Grace, cancellationToken));
        await stopping.CancelAsync();
        await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
    }

    public void Dispose() => stopping.Dispose();
}
