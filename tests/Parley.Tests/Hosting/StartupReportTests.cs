using System.Text.Json;
using Npgsql;
using Parley.Hosting;
using Parley.Testing;

namespace Parley.Tests.Hosting;

/// <summary>What Parley says on start about the configuration files and the database it uses.</summary>
public sealed class StartupReportTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_PostgreSQL_database_is_reported_by_server_and_name_only()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Postgres, "--Logging:LogLevel:Parley=Information");
        var database = new NpgsqlConnectionStringBuilder(parley.Database.ConnectionString);

        var reported = parley.Logs.GetSnapshot().Where(r => r.Category == typeof(StartupReport).FullName).Select(r => r.Message).ToList();

        Assert.Contains($"Database: PostgreSQL database {database.Database} on {database.Host}:{database.Port}", reported);
        Assert.DoesNotContain(reported, line => line.Contains("Password", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task An_appsettings_json_in_the_working_directory_is_reported_found_and_its_log_levels_override_the_defaults()
    {
        var folder = Directory.CreateTempSubdirectory("parley-settings-");
        try
        {
            var settings = Path.Combine(folder.FullName, "appsettings.json");
            await File.WriteAllTextAsync(settings, JsonSerializer.Serialize(new
            {
                Logging = new { LogLevel = new Dictionary<string, string> { ["Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information" } },
            }), Ct);
            await using var parley = await ParleyProcess.StartAsync(folder.FullName, []);

            using var http = new HttpClient { BaseAddress = parley.BaseAddress };
            using var response = await http.GetAsync("/healthz", Ct);
            await parley.TerminateAsync(TimeSpan.FromSeconds(30));

            Assert.Contains($"Configuration files:  {settings} (found)", parley.Output);
            Assert.Contains("Request starting HTTP/1.1 GET", parley.Output);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }
}
