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
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{postgresName}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
