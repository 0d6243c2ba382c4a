using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Parley.Hosting;

public static class Telemetry
{
    /// <summary>The meter of Parley's own instruments.</summary>
    public const string MeterName = "Parley";

    // Where the request and client instrumentations put the address, access keys and access_token included.
    static readonly string[] UrlTags = ["url.path", "url.query", "url.full"];

    /// <summary>
    /// Traces and metrics of requests and provider calls, exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    /// Without an exporter nothing is collected: recording spans nobody reads would only slow the hot paths.
    /// </summary>
    public static IServiceCollection AddParleyTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) return services;

        services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(options => options.EnrichWithHttpRequest = (activity, _) => RedactUrlTags(activity))
                .AddHttpClientInstrumentation(options => options.EnrichWithHttpRequestMessage = (activity, _) => RedactUrlTags(activity))
                .AddSource("Experimental.Microsoft.Extensions.AI"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter(MeterName))
            .UseOtlpExporter();
        return services;
    }

    /// <summary>Runs once the instrumentation has set the URL tags, so a span carries the same redacted keys as the log.</summary>
    static void RedactUrlTags(Activity activity)
    {
        foreach (var tag in UrlTags)
        {
            if (activity.GetTagItem(tag) is not string value) continue;
            var redacted = SecretRedactor.Redact(value);
            if (!ReferenceEquals(redacted, value)) activity.SetTag(tag, redacted);
        }
    }
}
