using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Parley.Hosting;

namespace Parley.Data;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>"Sqlite" (default, a file in the data folder) or "Postgres".</summary>
    public string Provider { get; set; } = "Sqlite";

    /// <summary>For PostgreSQL an Npgsql connection string; for SQLite optional (default: data/parley.db).</summary>
    public string? ConnectionString { get; set; }

    public bool IsPostgres => Provider.Equals("Postgres", StringComparison.OrdinalIgnoreCase)
        || Provider.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase);
}

public static class DatabaseSetup
{
    /// <summary>The most statements SaveChanges sends to PostgreSQL in one batch (one round trip, one implicit transaction).</summary>
    public const int PostgresMaxBatchSize = 1000;

    public static IServiceCollection AddParleyDatabase(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        if (options.IsPostgres)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
                throw new InvalidOperationException("Database:Provider is Postgres, so Database:ConnectionString must be set.");
            services.AddDbContextPool<AppDb, PostgresAppDb>(o => Quiet(o.UseNpgsql(WithPostgresDefaults(options.ConnectionString), n => n.MaxBatchSize(PostgresMaxBatchSize))));
        }
        else if (!options.Provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Database:Provider must be Sqlite or Postgres, not '{options.Provider}'.");
        }
        else
        {
            var connectionString = options.ConnectionString;
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                var dataDirectory = Path.GetFullPath(
                    configuration.GetSection(ParleyOptions.Section).Get<ParleyOptions>()?.DataDirectory ?? "data", contentRoot);
                Directory.CreateDirectory(dataDirectory);
                connectionString = $"Data Source={Path.Combine(dataDirectory, "parley.db")}";
            }
            services.AddDbContextPool<AppDb, SqliteAppDb>(o => Quiet(o.UseSqlite(connectionString)).AddInterceptors(new SqliteCheckpoints.NoAutomaticCheckpoints()));
            services.AddHostedService(sp => new SqliteCheckpoints(connectionString, sp.GetRequiredService<ILogger<SqliteCheckpoints>>()));
        }
        return services;
    }

    /// <summary>
    /// Parley changes no connection state, so resetting a connection each time it goes back to the pool (DISCARD ALL)
    /// is pure cost, and it would throw away prepared statements: with automatic preparation PostgreSQL parses and
    /// plans the queries every message runs once per connection instead of on every call. A connection string that
    /// sets either keeps its value (Max Auto Prepare=0 behind a pooler that cannot keep prepared statements).
    /// </summary>
    static string WithPostgresDefaults(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()).ToHashSet();
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("NORESETONCLOSE")) builder.NoResetOnClose = true;
        if (!given.Contains("MAXAUTOPREPARE")) builder.MaxAutoPrepare = 20;
        return builder.ConnectionString;
    }

    // A failed save or connection surfaces as an exception that the caller handles or logs; EF Core's own error
    // log of it would report expected events (a lost race on a unique tag, a database not created yet) as errors.
    static DbContextOptionsBuilder Quiet(DbContextOptionsBuilder options) => options.ConfigureWarnings(w => w
        .Log((CoreEventId.SaveChangesFailed, LogLevel.Debug), (RelationalEventId.ConnectionError, LogLevel.Debug)));

    /// <summary>
    /// Which database Parley uses, for the start-up report: the full path of a SQLite file, or a PostgreSQL server and
    /// database name (never the rest of the connection string, which may hold a password).
    /// </summary>
    public static string Describe(AppDb db) => db.Database.GetDbConnection() switch
    {
        SqliteConnection { DataSource: ":memory:" or "" } => "SQLite in memory",
        SqliteConnection sqlite => $"SQLite file {Path.GetFullPath(sqlite.DataSource)}",
        NpgsqlConnection postgres when new NpgsqlConnectionStringBuilder(postgres.ConnectionString) is var settings =>
            $"PostgreSQL database {settings.Database} on {settings.Host}:{settings.Port}",
        var other => other.GetType().Name,
    };

    /// <summary>Creates or upgrades the schema. SQLite switches to write-ahead logging so readers never wait for writers.</summary>
    public static async Task MigrateAsync(AppDb db, CancellationToken ct)
    {
        // A database that is up to date (a restart, another instance on a shared PostgreSQL) is left alone: EF Core's
        // Migrate would still build the migrations' model snapshot and compare it with the model, about a third of a
        // second of CPU at every start. Instances starting together may both see a migration pending; Migrate's own
        // lock makes the second one find nothing left to apply.
        if ((await db.Database.GetPendingMigrationsAsync(ct)).Any()) await db.Database.MigrateAsync(ct);
        if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
    }
}

/// <summary>Lets <c>dotnet ef migrations add X --context SqliteAppDb</c> build the context without starting Parley.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteAppDb>
{
    public SqliteAppDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteAppDb>().UseSqlite("Data Source=design.db").Options);
}

/// <summary>As above for PostgreSQL; no server is contacted to add a migration.</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresAppDb>
{
    public PostgresAppDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresAppDb>().UseNpgsql("Host=localhost;Database=parley").Options);
}
