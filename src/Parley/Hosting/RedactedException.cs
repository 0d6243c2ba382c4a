namespace Parley.Hosting;

/// <summary>
/// Stands in for an exception whose text holds a key (a rejected request line quotes the request target), and prints
/// as the original would, redacted. Exceptions without a key are passed on unchanged.
/// </summary>
sealed class RedactedException : Exception
{
    readonly string text;

    RedactedException(Exception original, string text) : base(SecretRedactor.Redact(original.Message)) => this.text = text;

    public static Exception? Of(Exception? exception)
    {
        if (exception is null) return null;
        var text = exception.ToString();
        var redacted = SecretRedactor.Redact(text);
        return ReferenceEquals(redacted, text) ? exception : new RedactedException(exception, redacted);
    }

    public override string ToString() => text;
}
