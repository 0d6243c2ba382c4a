using System.Collections;

namespace Parley.Hosting;

/// <summary>
/// A log entry's message and values, redacted: what <see cref="RedactingLoggerFactory"/> hands to the providers in
/// place of the original state. Console formatters print the message; JSON formatters and OpenTelemetry also read the
/// name-value pairs.
/// </summary>
sealed class RedactedLogState : IReadOnlyList<KeyValuePair<string, object?>>
{
    public static readonly Func<RedactedLogState, Exception?, string> Format = static (state, _) => state.message;

    readonly string message;
    readonly KeyValuePair<string, object?>[] values;

    RedactedLogState(string message, KeyValuePair<string, object?>[] values)
    {
        this.message = message;
        this.values = values;
    }

    public static RedactedLogState Of<TState>(TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        new(SecretRedactor.Redact(formatter(state, exception)), state is IEnumerable<KeyValuePair<string, object?>> pairs ? SecretRedactor.RedactValues(pairs) : []);

    public KeyValuePair<string, object?> this[int index] => values[index];
    public int Count => values.Length;
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)values).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    public override string ToString() => message;
}
