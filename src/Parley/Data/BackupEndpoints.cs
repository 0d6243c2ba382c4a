using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Parley.Admin;
using Parley.Api;

namespace Parley.Data;

/// <summary>
/// A copy of a running instance for the admin API to download. On SQLite, VACUUM INTO writes the database as it is at
/// one moment (every committed write, the key ring that decrypts the provider keys included) into a fresh file while
/// requests go on; PostgreSQL is backed up with pg_dump (docs/deployment.md).
/// </summary>
public static class BackupEndpoints
{
    public const string UsePgDump = "backup_by_pg_dump";

    public static IEndpointRouteBuilder MapBackup(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/backup", Download).WithTags("Operations").RequireAuthorization(AdminKeyAuthentication.Policy)
            .Produces(StatusCodes.Status200OK, contentType: "application/vnd.sqlite3")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> Download(AppDb db, TimeProvider clock, CancellationToken ct)
    {
        if (!db.Database.IsSqlite())
        {
            return ApiProblem.Create(StatusCodes.Status409Conflict, UsePgDump,
                "This instance keeps its data in PostgreSQL: back it up with pg_dump, as docs/deployment.md shows.");
        }
        // Beside the database, on its disk: the temporary folder may be a small memory file system.
        var folder = Path.GetDirectoryName(Path.GetFullPath(new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource))!;
        var copy = Path.Combine(folder, $"backup-{Guid.NewGuid():n}.db.tmp");
        try
        {
            await db.Database.ExecuteSqlAsync($"VACUUM INTO {copy}", ct);
        }
        catch
        {
            File.Delete(copy);
            throw;
        }
        var file = new FileStream(copy, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        return TypedResults.File(file, "application/vnd.sqlite3", $"parley-{clock.GetUtcNow():yyyyMMdd-HHmmss}.db");
    }
}
