using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Sessions;

/// <summary>
/// Every hour, deletes the sessions (with their messages, keys and usage rows, by the database's cascades) whose last
/// message is older than their chat client's <c>limitingParameters.retentionDays</c>. Several instances may sweep at
/// once: deleting what is already gone does nothing.
/// </summary>
public sealed partial class RetentionJob(IServiceScopeFactory scopes, TimeProvider clock, ILogger<RetentionJob> logger) : BackgroundService
{
    static readonly TimeSpan Every = TimeSpan.FromHours(1);
    // Small deletes keep SQLite's write lock short, so conversations go on during a large sweep.
    const int Batch = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogSweepFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping; the next start sweeps within the hour.
        }
    }

    async Task SweepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        var clients = await db.ChatClients.AsNoTracking().Select(c => new { c.Id, c.Name, c.LimitingParameters }).ToListAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var client in clients)
        {
            if (client.LimitingParameters.RetentionDays is not { } days) continue;
            var cutoff = now.AddDays(-days);
            var deleted = 0;
            var erasure = scope.ServiceProvider.GetRequiredService<SessionErasure>();
            while (await erasure.DeleteAsync(
                db.Sessions.Where(s => s.ChatClientId == client.Id && s.LastMessageAt < cutoff).OrderBy(s => s.Id).Take(Batch), ct) is > 0 and var batch)
                deleted += batch;
            if (deleted > 0) LogDeleted(logger, deleted, client.Name, days);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} sessions of {ChatClient} whose last message was more than {Days} days old")]
    static partial void LogDeleted(ILogger logger, int count, string chatClient, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The retention sweep failed; it runs again within the hour")]
    static partial void LogSweepFailed(ILogger logger, Exception exception);
}
