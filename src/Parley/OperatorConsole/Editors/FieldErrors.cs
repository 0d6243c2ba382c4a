using System.Globalization;
using System.Text.RegularExpressions;
using Parley.Api;

namespace Parley.OperatorConsole.Editors;

/// <summary>
/// The broken rules of an editor's form, by the id of the field they are shown beside, in the operator's language.
/// A field's id is its path without the parameters record it sits in: <c>ClientParameters.SuggestionButtons[0].Label</c>
/// is <c>suggestionButtons-0-label</c>.
/// </summary>
public sealed partial class FieldErrors
{
    readonly Dictionary<string, List<string>> byField = [];

    public bool IsEmpty => byField.Count == 0;

    public bool Has(string id) => byField.ContainsKey(id);

    public IReadOnlyList<string> Of(string id) => byField.TryGetValue(id, out var messages) ? messages : [];

    public IEnumerable<string> Ids => byField.Keys;

    public void Add(string id, string message)
    {
        if (!byField.TryGetValue(id, out var messages)) byField[id] = messages = [];
        if (!messages.Contains(message)) messages.Add(message);
    }

    public void Add(IEnumerable<FieldError> errors, ConsoleText text)
    {
        foreach (var error in errors) Add(IdOf(error.Field), Say(error, text));
    }

    /// <summary>A number typed in a field, or null when blank; what is no number is an error of that field.</summary>
    public float? Fraction(string id, string typed, ConsoleText text) =>
        Parse<float>(id, typed, text, s => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v) ? v : null);

    public int? Whole(string id, string typed, ConsoleText text) =>
        Parse<int>(id, typed, text, s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null);

    T? Parse<T>(string id, string typed, ConsoleText text, Func<string, T?> parse) where T : struct
    {
        // Both decimal marks work: a Brazilian operator writes 0,7.
        var value = typed.Trim().Replace(',', '.');
        if (value.Length == 0) return null;
        if (parse(value) is { } number) return number;
        Add(id, text[typeof(T) == typeof(int) ? "Editors.Rule.WholeNumber" : "Editors.Rule.Number"]);
        return null;
    }

    public string? DescribedBy(string id, bool hint = false) =>
        string.Join(' ', new[] { hint ? $"{id}-hint" : null, Has(id) ? $"{id}-error" : null }.OfType<string>()) is { Length: > 0 } ids ? ids : null;

    public static string IdOf(string path)
    {
        var inner = ParametersPrefix().Replace(path, "");
        return string.Join('-', Regex.Split(inner, @"[.\[\]]+").Where(s => s.Length > 0).Select(RequestErrors.CamelCase));
    }

    /// <summary>
    /// A rule in the operator's words: first words for this field and rule, then for the rule on any field (with its
    /// numbers), then for the field's own check; a rule without words of ours is shown as the API states it.
    /// </summary>
    static string Say(FieldError error, ConsoleText text)
    {
        var words = text.Find($"Editors.Error.{error.Leaf}.{error.Rule}")
            ?? (error.Rule is "Custom" or "RegularExpression" ? text.Find($"Editors.Error.{error.Leaf}") : text.Find($"Editors.Rule.{error.Rule}"));
        return words is null ? error.Message : string.Format(CultureInfo.CurrentCulture, words, [.. error.Arguments]);
    }

    [GeneratedRegex("^(Parameters|ClientParameters|LimitingParameters)\\.", RegexOptions.IgnoreCase)]
    private static partial Regex ParametersPrefix();
}
