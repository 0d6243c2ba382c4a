using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Parley.Hosting;

public static class Telemetry
{
    /// <summary>
    /// Traces and metrics of requests and provider calls, exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    /// Without an exporter nothing is collected: recording spans nobody reads would only slow the hot paths.
    /// </summary>
    public static IServiceCollection AddParleyTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) return services;

        services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddSource("Experimental.Microsoft.Extensions.AI"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation())
            .UseOtlpExporter();
        return services;
    }
}
