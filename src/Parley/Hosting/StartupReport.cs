using Microsoft.Extensions.FileProviders;
using Parley.Admin;
using Parley.Data;

namespace Parley.Hosting;

/// <summary>
/// Which configuration files and which database this instance uses, logged and shown on start, so an operator sees at
/// once when they are not the ones intended: started from another folder, Parley looks for appsettings.json and its
/// data folder there.
/// </summary>
public sealed partial class StartupReport(IReadOnlyList<string> configurationFiles, string database, KeyRingProtection keyRing)
{
    public const string Overrides = "environment variables and command-line arguments";

    /// <summary>Each file with its full path and whether it was found, in the order they apply.</summary>
    public IReadOnlyList<string> ConfigurationFiles => configurationFiles;

    public string Database => database;

    /// <summary>How the keys that encrypt provider keys and tokens are protected, in plain words.</summary>
    public string KeyRing => keyRing.Description;

    public static StartupReport Read(WebApplication app, AppDb db)
    {
        var files = (app.Configuration as IConfigurationRoot)?.Providers.OfType<FileConfigurationProvider>()
            .Select(provider => Describe(provider.Source, app.Environment.ContentRootPath))
            .ToList() ?? [];
        return new StartupReport(files, DatabaseSetup.Describe(db), app.Services.GetRequiredService<KeyRingProtection>());
    }

    public void Log(ILogger logger)
    {
        LogConfiguration(logger, configurationFiles.Count == 0 ? "none" : string.Join(", ", configurationFiles), Overrides);
        LogDatabase(logger, database);
        if (keyRing.IsProtected) LogKeyRing(logger, keyRing.Description);
        else LogKeyRingUnprotected(logger, keyRing.Description);
    }

    static string Describe(FileConfigurationSource source, string contentRoot)
    {
        var path = source.Path ?? "";
        var fullPath = Path.GetFullPath(path, source.FileProvider is PhysicalFileProvider physical ? physical.Root : contentRoot);
        var found = source.FileProvider?.GetFileInfo(path).Exists == true;
        return $"{fullPath} ({(found ? "found" : "not found")})";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration files: {ConfigurationFiles}; {Overrides} override them")]
    static partial void LogConfiguration(ILogger logger, string configurationFiles, string overrides);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database: {Database}")]
    static partial void LogDatabase(ILogger logger, string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Secrets at rest: {KeyRing}")]
    static partial void LogKeyRing(ILogger logger, string keyRing);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Secrets at rest: {KeyRing}")]
    static partial void LogKeyRingUnprotected(ILogger logger, string keyRing);
}
