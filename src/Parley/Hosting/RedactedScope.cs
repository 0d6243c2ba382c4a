using System.Collections;

namespace Parley.Hosting;

/// <summary>A scope whose text is redacted when a line prints it.</summary>
class RedactedScope(object state)
{
    // Only name-value scopes may present themselves as such: JSON formatters print any other scope as its text.
    public static object Of(object state) =>
        state is IEnumerable<KeyValuePair<string, object?>> pairs ? new RedactedScopeValues(state, pairs) : new RedactedScope(state);

    public override string ToString() => SecretRedactor.Redact(state.ToString() ?? "");
}

sealed class RedactedScopeValues(object state, IEnumerable<KeyValuePair<string, object?>> pairs)
    : RedactedScope(state), IReadOnlyList<KeyValuePair<string, object?>>
{
    KeyValuePair<string, object?>[]? values;

    // Computed by the first line that prints the scope; two lines racing compute the same values.
    KeyValuePair<string, object?>[] Values => values ??= SecretRedactor.RedactValues(pairs);

    public KeyValuePair<string, object?> this[int index] => Values[index];
    public int Count => Values.Length;
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)Values).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
