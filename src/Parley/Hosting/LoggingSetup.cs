using Microsoft.Extensions.Configuration.Memory;

namespace Parley.Hosting;

public static class LoggingSetup
{
    /// <summary>
    /// Log levels that hold whether or not appsettings.json is found (a service manager often starts Parley from
    /// another folder): the framework, EF Core and libraries at Warning, so no request, route or SQL command is
    /// logged; Parley's own events at Information. They are the lowest configuration source, so appsettings.json,
    /// Logging__LogLevel__… environment variables and the command line still override them.
    /// </summary>
    static readonly Dictionary<string, string?> DefaultLevels = new()
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Parley"] = "Information",
    };

    /// <summary>Quiet default log levels, whatever folder Parley starts from.</summary>
    public static WebApplicationBuilder AddParleyLogging(this WebApplicationBuilder builder)
    {
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = DefaultLevels });
        return builder;
    }
}
