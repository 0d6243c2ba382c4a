using Microsoft.Data.Sqlite;
using Parley.Data;
using Parley.Hosting;

namespace Parley.Attachments;

public static class AttachmentsSetup
{
    /// <summary>The blob store the configuration names: the folder beside SQLite's file, or the database (PostgreSQL's default).</summary>
    public static IServiceCollection AddAttachments(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var store = configuration.GetSection(AttachmentOptions.Section).Get<AttachmentOptions>()?.Store;
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var inDatabase = string.IsNullOrWhiteSpace(store) ? database.IsPostgres : store.Equals("Database", StringComparison.OrdinalIgnoreCase);
        if (!inDatabase && !string.IsNullOrWhiteSpace(store) && !store.Equals("Folder", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"Attachments:Store must be Folder or Database, not '{store}'.");
        if (inDatabase)
        {
            services.AddSingleton<IBlobStore, DatabaseBlobStore>();
        }
        else
        {
            services.AddSingleton<IBlobStore>(new FolderBlobStore(Path.Combine(DataFolder(configuration, database, contentRoot), "blobs")));
        }
        services.AddScoped<ConversationFiles>();
        services.AddSingleton<AttachmentKeeper>();
        services.AddScoped<Sessions.SessionErasure>();
        return services;
    }

    // Beside the SQLite file when it has one of its own; else the data folder.
    static string DataFolder(IConfiguration configuration, DatabaseOptions database, string contentRoot)
    {
        if (!database.IsPostgres && !string.IsNullOrWhiteSpace(database.ConnectionString)
            && Path.GetDirectoryName(Path.GetFullPath(new SqliteConnectionStringBuilder(database.ConnectionString).DataSource, contentRoot)) is { } folder)
            return folder;
        return Path.GetFullPath(configuration.GetSection(ParleyOptions.Section).Get<ParleyOptions>()?.DataDirectory ?? "data", contentRoot);
    }
}
