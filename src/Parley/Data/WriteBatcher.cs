using System.Threading.Channels;

namespace Parley.Data;

/// <summary>
/// Group commit for the conversation hot path. Writes from concurrent requests and replies are queued and applied
/// together in one transaction with one durable commit, so a burst of messages waits for one disk sync instead of
/// one each (SQLite allows one writer at a time; PostgreSQL saves a round trip per write). Each caller still awaits
/// its own commit: nothing is acknowledged before it is on disk.
/// </summary>
public sealed partial class WriteBatcher(IServiceScopeFactory scopes, ILogger<WriteBatcher> logger) : BackgroundService
{
    const int MaxBatch = 256;

    readonly Channel<Work> queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });

    sealed record Work(Func<AppDb, Task> Apply, TaskCompletionSource Done);

    /// <summary>Applies <paramref name="apply"/> to a context of the batch and returns once the batch is committed.</summary>
    public Task WriteAsync(Func<AppDb, Task> apply)
    {
        var work = new Work(apply, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!queue.Writer.TryWrite(work)) throw new InvalidOperationException("Parley is shutting down and takes no more writes.");
        return work.Done.Task;
    }

    // Commits run on a thread of their own: SQLite does its I/O synchronously even behind async calls, and a commit
    // that waits for the disk must not hold one of the thread pool's few threads (two on a two-core machine).
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(CommitQueued, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    void CommitQueued()
    {
        var batch = new List<Work>(MaxBatch);
        // Drains the queue to the end even during shutdown: queued writes are what users already said.
        while (queue.Reader.WaitToReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult())
        {
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var work)) batch.Add(work);
            CommitAsync(batch).GetAwaiter().GetResult();
            batch.Clear();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    async Task CommitAsync(IReadOnlyList<Work> batch)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDb>();
            await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
            foreach (var work in batch) await work.Apply(db);
            await db.SaveChangesAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
            foreach (var work in batch) work.Done.TrySetResult();
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            // One bad write must not fail the others: commit each on its own to find it.
            LogBatchRetried(logger, ex, batch.Count);
            foreach (var work in batch) await CommitAsync([work]);
        }
        catch (Exception ex)
        {
            batch[0].Done.TrySetException(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} writes failed; committing them one by one")]
    static partial void LogBatchRetried(ILogger logger, Exception exception, int count);
}
