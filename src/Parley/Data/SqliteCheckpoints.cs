using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Parley.Data;

/// <summary>
/// SQLite's write-ahead log is copied back into the database file (a checkpoint) here, on a thread of its own, instead
/// of by whichever commit finds the log past 1,000 pages. That commit held the write path while it copied and synced
/// the file, and every message whose first token waited for the next commit waited for the checkpoint too: the
/// longest first tokens on one core were those. A passive checkpoint never blocks the writer or the readers.
/// </summary>
public sealed partial class SqliteCheckpoints(string connectionString, ILogger<SqliteCheckpoints> logger) : BackgroundService
{
    static readonly TimeSpan Every = TimeSpan.FromSeconds(1);

    /// <summary>Every connection Parley opens leaves checkpoints to this service.</summary>
    public sealed class NoAutomaticCheckpoints : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            // SQLite's I/O is synchronous behind its async calls anyway; this statement touches no file.
            Apply(connection);
            return Task.CompletedTask;
        }

        static void Apply(DbConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_autocheckpoint=0;";
            command.ExecuteNonQuery();
        }
    }

    // The file's sync can take milliseconds: a thread of its own, not one of the thread pool's few.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    void Run(CancellationToken stoppingToken)
    {
        using var connection = new SqliteConnection(connectionString);
        while (!stoppingToken.WaitHandle.WaitOne(Every))
        {
            try
            {
                if (connection.State != System.Data.ConnectionState.Open) connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
                command.ExecuteNonQuery();
            }
            catch (SqliteException ex)
            {
                // The next round tries again; until then the log only grows.
                LogCheckpointFailed(logger, ex);
                connection.Close();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Copying SQLite's write-ahead log into the database file failed")]
    static partial void LogCheckpointFailed(ILogger logger, Exception exception);
}
