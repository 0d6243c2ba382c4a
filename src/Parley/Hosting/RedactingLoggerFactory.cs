using System.Collections.Concurrent;

namespace Parley.Hosting;

/// <summary>
/// The application's logger factory, wrapped so that every entry and every scope passes through
/// <see cref="SecretRedactor"/> before any provider sees it: Parley's own lines, the framework's (hosting's
/// "Request starting …" and its RequestPath scope, routing, SignalR, HttpClient), and those of any provider added later.
/// Wrapping the factory rather than each provider keeps provider-specific settings (Logging:Console:LogLevel) working,
/// and catches scopes before they reach the factory's shared scope store, which console and JSON formatters read
/// without going through a logger.
/// </summary>
public sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    // Authentication handlers ask for their logger on every request; one wrapper per category is enough.
    readonly ConcurrentDictionary<string, ILogger> loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) =>
        loggers.GetOrAdd(categoryName, static (name, factory) => new RedactingLogger(factory.CreateLogger(name), QuietBelowInformation.Contains(name)), inner);

    // SignalR's dispatcher logs every hub invocation with its arguments at Debug, and the console's circuit sends
    // what operators type through it (passwords, bot tokens, provider keys, customers' words), in no shape a
    // redactor could find. Whatever the configured levels, those lines are never written.
    static readonly HashSet<string> QuietBelowInformation = new(StringComparer.Ordinal)
    {
        "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher",
        "Microsoft.AspNetCore.SignalR.HubConnectionHandler",
        "Microsoft.AspNetCore.Components.Server.ComponentHub",
        "Microsoft.AspNetCore.Components.Server.Circuits.CircuitHost",
        "Microsoft.AspNetCore.Components.Server.Circuits.RemoteRenderer",
    };

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    sealed class RedactingLogger(ILogger inner, bool quietBelowInformation) : ILogger
    {
        public bool IsEnabled(LogLevel logLevel) => (!quietBelowInformation || logLevel >= LogLevel.Information) && inner.IsEnabled(logLevel);

        // The scope is redacted only if a log line prints it: hosting opens one on every request.
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(RedactedScope.Of(state));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // A line no provider writes costs no redaction.
            if (quietBelowInformation && logLevel < LogLevel.Information) return;
            if (!inner.IsEnabled(logLevel)) return;
            inner.Log(logLevel, eventId, RedactedLogState.Of(state, exception, formatter), RedactedException.Of(exception), RedactedLogState.Format);
        }
    }
}
