using System.Globalization;
using Parley.Hosting;

namespace Parley.OperatorConsole;

/// <summary>
/// The console's words in the operator's language: the one they chose (a cookie), else their browser's, else English.
/// The request's culture is set by the localization middleware, for pages and for the interactive circuit alike.
/// </summary>
public sealed class ConsoleText
{
    static readonly StringTable Table = new("Parley.OperatorConsole.Resources.ConsoleStrings");

    public static readonly IReadOnlyList<string> Languages = ["en", "pt-BR"];

    public string Language => CultureInfo.CurrentUICulture.Name.StartsWith("pt", StringComparison.OrdinalIgnoreCase) ? "pt-BR" : "en";

    public string this[string key] => Find(key) ?? key;

    /// <summary>The text of a key, or null when there is none (the caller has words of its own to fall back on).</summary>
    public string? Find(string key) => Table.For(Language).TryGetValue(key, out var text) ? text : null;

    public string Format(string key, params object?[] values) => string.Format(CultureInfo.CurrentCulture, this[key], values);

    /// <summary>
    /// A broken rule of an operator account in the operator's language: by field and rule (the request's annotations),
    /// else by Identity's code; a rule without words of ours is shown as the API states it. The password's length is the
    /// one rule with a number in it, and it comes from Identity's options.
    /// </summary>
    public string Say(AccountError error, int passwordLength) =>
        (Find($"Error.{error.Field}.{error.Code}") ?? Find($"Error.{error.Code}")) is { } text
            ? string.Format(CultureInfo.CurrentCulture, text, passwordLength)
            : error.Message;
}
