using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;

namespace Parley.Data;

/// <summary>Tokens a finished reply adds to its session's totals.</summary>
public readonly record struct SessionUsage(Guid SessionId, int InputTokens, int OutputTokens);

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

    sealed record Work(Action<AppDb> Apply, SessionUsage? Usage, TaskCompletionSource Done);

    /// <summary>
    /// Applies <paramref name="apply"/> (tracked changes only: it cannot run statements of its own) to a context of
    /// the batch, adds <paramref name="usage"/> to its session's totals, and returns once the batch is committed.
    /// </summary>
    public Task WriteAsync(Action<AppDb> apply, SessionUsage? usage = null)
    {
        var work = new Work(apply, usage, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
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
            foreach (var work in batch) work.Apply(db);
            var usage = batch.Where(w => w.Usage is not null).Select(w => w.Usage!.Value)
                .GroupBy(u => u.SessionId, (id, all) => new SessionUsage(id, all.Sum(u => u.InputTokens), all.Sum(u => u.OutputTokens)))
                .ToList();
            if (usage.Count == 0)
            {
                // PostgreSQL runs one batch of statements as one implicit transaction, so tracked changes that fit in
                // one batch need no BEGIN and COMMIT: the commit costs no round trip of its own. SQLite has no such
                // batch, and SaveChanges' own transaction is what makes the statements atomic there.
                if (db.Database.IsNpgsql() && db.ChangeTracker.Entries().Count() <= DatabaseSetup.PostgresMaxBatchSize)
                    db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
                await db.SaveChangesAsync(CancellationToken.None);
            }
            else
            {
                // The transaction is ours and all or nothing: a savepoint around SaveChanges would only add round trips.
                db.Database.AutoSavepointsEnabled = false;
                await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
                await db.SaveChangesAsync(CancellationToken.None);
                await AddToSessionTotalsAsync(db, usage);
                await transaction.CommitAsync(CancellationToken.None);
            }
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

    /// <summary>
    /// One statement for every session in the batch: an increment in SQL, so totals stay right whichever instance
    /// finishes which reply.
    /// </summary>
    static Task<int> AddToSessionTotalsAsync(AppDb db, List<SessionUsage> usage)
    {
        var parameters = new List<object>(usage.Count * 3);
        var input = new StringBuilder();
        var output = new StringBuilder();
        var ids = new StringBuilder();
        foreach (var (sessionId, inputTokens, outputTokens) in usage)
        {
            var (id, i, o) = (parameters.Count, parameters.Count + 1, parameters.Count + 2);
            parameters.AddRange([sessionId, inputTokens, outputTokens]);
            input.Append(CultureInfo.InvariantCulture, $" WHEN {{{id}}} THEN {{{i}}}");
            output.Append(CultureInfo.InvariantCulture, $" WHEN {{{id}}} THEN {{{o}}}");
            ids.Append(CultureInfo.InvariantCulture, $"{(ids.Length > 0 ? ", " : "")}{{{id}}}");
        }
        // Only numbered placeholders are put into the text; every value travels as a parameter.
        var sql = $"""UPDATE "Sessions" SET "InputTokens" = "InputTokens" + CASE "Id"{input} END, "OutputTokens" = "OutputTokens" + CASE "Id"{output} END WHERE "Id" IN ({ids})""";
        return db.Database.ExecuteSqlRawAsync(sql, parameters, CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} writes failed; committing them one by one")]
    static partial void LogBatchRetried(ILogger logger, Exception exception, int count);
}
