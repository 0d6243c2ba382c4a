namespace Parley.Research;

/// <summary>
/// The MCP SDK's loggers, with its warnings and errors lowered to Debug: Parley already reports an unreachable server
/// or a failed call once, in its own words, and the SDK's account of the same fault (with its stack) would double it
/// at a level that pages someone. Whoever looks deeper turns Debug on for <c>ModelContextProtocol</c>.
/// </summary>
public sealed class McpSdkLoggers(ILoggerFactory loggers) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Lowered(loggers.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    // The factory belongs to the host, which disposes it.
    public void Dispose() { }

    sealed class Lowered(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(Lower(logLevel));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var level = Lower(logLevel);
            if (inner.IsEnabled(level)) inner.Log(level, eventId, state, exception, formatter);
        }

        static LogLevel Lower(LogLevel level) => level is LogLevel.Warning or LogLevel.Error or LogLevel.Critical ? LogLevel.Debug : level;
    }
}
