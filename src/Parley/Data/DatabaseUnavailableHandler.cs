using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Parley.Api;

namespace Parley.Data;

/// <summary>
/// While the database cannot be reached, or has no room left, requests get a clear 503 with a code and Retry-After
/// instead of a 500. Every change is one transaction, so a request that failed this way changed nothing.
/// </summary>
public sealed class DatabaseUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public const string Unavailable = "database_unavailable";
    public const string StorageFull = "storage_full";

    public ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken) =>
        Classify(exception) is { } fault
            ? ApiProblem.WriteUnavailableAsync(problems, httpContext, exception, fault.Code, fault.Message, fault.Code == StorageFull ? 60 : 5)
            : ValueTask.FromResult(false);

    /// <summary>Whether the failure is the database being out of reach or out of room; null for any other fault.</summary>
    public static (string Code, string Message)? Classify(Exception? exception) => exception switch
    {
        null => null,
        // SQLITE_FULL (13); PostgreSQL's disk_full (53100).
        SqliteException { SqliteErrorCode: 13 } or PostgresException { SqlState: "53100" } =>
            (StorageFull, "Parley's database has no room left to store this. Nothing was saved; an operator must free disk space."),
        NpgsqlException { IsTransient: true } or TimeoutException or SqliteException { SqliteErrorCode: 5 or 6 or 14 } =>
            (Unavailable, "Parley cannot reach its database right now. Nothing was saved; please try again in a few seconds."),
        DbUpdateException or InvalidOperationException or DbException => Classify(exception.InnerException),
        _ => null,
    };
}
