using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

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
        // The authentication handler's base class logs every refused key and every challenge under the handler's
        // name; FailedAuthentications reports refused keys instead, once a minute per address.
        ["Logging:LogLevel:Parley.Admin.AdminKeyAuthentication"] = "Warning",
    };

    /// <summary>Quiet default levels, and keys redacted from every log line whatever the levels.</summary>
    public static WebApplicationBuilder AddParleyLogging(this WebApplicationBuilder builder)
    {
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = DefaultLevels });

        // The factory the host would make, built from the same providers and filters, behind the redaction.
        builder.Services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(services => new RedactingLoggerFactory(new LoggerFactory(
            services.GetServices<ILoggerProvider>(),
            services.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            services.GetService<IOptions<LoggerFactoryOptions>>()))));
        return builder;
    }
}
