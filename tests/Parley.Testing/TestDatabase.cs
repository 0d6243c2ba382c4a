using Npgsql;

namespace Parley.Testing;

public enum DatabaseKind { Sqlite, Postgres }

/// <summary>A database of its own for one test: a temp SQLite file, or a fresh PostgreSQL database dropped afterwards.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    const string DefaultPostgres = "Host=127.0.0.1;Port=5432;Database=parley_test;Username=parley_test;Password=parley_test";

    readonly string? postgresName;
    readonly string? sqliteDirectory;

    public DatabaseKind Kind { get; }

    /// <summary>The PostgreSQL connection string of this test's database (null for SQLite).</summary>
    public string? ConnectionString { get; }

    /// <summary>The folder of this test's SQLite database and its journal (null for PostgreSQL).</summary>
    public string? SqliteDirectory => sqliteDirectory;

    /// <summary>Command-line style settings that point Parley at this database.</summary>
    public IReadOnlyList<string> Arguments { get; }

    TestDatabase(DatabaseKind kind)
    {
        Kind = kind;
        if (kind == DatabaseKind.Sqlite)
        {
            sqliteDirectory = Path.Combine(Path.GetTempPath(), "parley-tests", Guid.NewGuid().ToString("n"));
            Arguments = ["--Database:Provider=Sqlite", $"--Parley:DataDirectory={sqliteDirectory}"];
        }
        else
        {
            postgresName = "parley_t_" + Guid.NewGuid().ToString("n");
            ConnectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = postgresName, Pooling = true }.ToString();
            Arguments = ["--Database:Provider=Postgres", $"--Database:ConnectionString={ConnectionString}"];
        }
    }

    public static TestDatabase Create(DatabaseKind kind) => new(kind);

    static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("PARLEY_TEST_POSTGRES") is { Length: > 0 } configured ? configured : DefaultPostgres;

    public async ValueTask DisposeAsync()
    {
        if (sqliteDirectory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(sqliteDirectory, recursive: true); } catch (IOException) { }
        }
        if (postgresName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(ServerConnectionString);
            await connection.OpenAsync();
            await DropAsync(connection, postgresName);
        }
    }

    /// <summary>
    /// FORCE ends connections a killed Parley process left behind, but a role without superuser rights may not
    /// end an autovacuum worker that happens to be in the database (42501). A plain DROP stops autovacuum by
    /// itself and only waits for real connections, so it is the fallback, retried for a few seconds.
    /// </summary>
    static async Task DropAsync(NpgsqlConnection connection, string database)
    {
        try
        {
            await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
            return;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege) { }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS \"{database}\"");
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
