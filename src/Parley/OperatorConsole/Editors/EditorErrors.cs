using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.RegularExpressions;
using Parley.Api;

namespace Parley.OperatorConsole.Editors;

/// <summary>
/// A broken rule of an edited value: its field as a path (<c>Parameters.Temperature</c>), the rule that broke (a
/// validation attribute's name without "Attribute", or <c>Custom</c> for a record's own check), the rule's numbers,
/// and the API's English sentence for it.
/// </summary>
public sealed record FieldError(string Field, string Rule, IReadOnlyList<object?> Arguments, string Message)
{
    /// <summary>The property the error is about, without indices: <c>SuggestionButtons[2].Label</c> → <c>Label</c>.</summary>
    public string Leaf => Regex.Replace(Field[(Field.LastIndexOf('.') + 1)..], @"\[\d+\]$", "");
}

/// <summary>
/// Reads the errors of the API's validator (<see cref="RequestValidator"/>) back to the attribute that broke, so the
/// console can word each rule in the operator's language while the rules themselves stay only on the records.
/// </summary>
public static partial class EditorErrors
{
    public static IReadOnlyList<FieldError> Of(object root, IDictionary<string, string[]> errors) =>
        [.. errors.SelectMany(e => e.Value.Select(message => Describe(root, e.Key, message)))];

    static FieldError Describe(object root, string field, string message)
    {
        var english = RequestErrors.InJsonTerms(JsonPath(field), message);
        if (Find(root, field) is not var (property, value) || property is null) return new(field, "Custom", [], english);

        foreach (var rule in property.GetCustomAttributes<ValidationAttribute>())
        {
            if (rule.IsValid(value)) continue;
            object?[] arguments = rule switch
            {
                RangeAttribute range => [range.Minimum, range.Maximum],
                StringLengthAttribute length => [length.MaximumLength, length.MinimumLength],
                MaxLengthAttribute max => [max.Length],
                _ => [],
            };
            return new(field, rule.GetType().Name.Replace("Attribute", "", StringComparison.Ordinal), arguments, english);
        }
        return new(field, "Custom", [], english);
    }

    /// <summary>The property a path ends at and its value, walking records and lists: <c>A.B[1].C</c>.</summary>
    static (PropertyInfo? Property, object? Value)? Find(object root, string path)
    {
        object? current = root;
        PropertyInfo? property = null;
        foreach (Match step in Step().Matches(path))
        {
            if (current is null) return null;
            property = current.GetType().GetProperty(step.Groups["name"].Value,
                BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null) return null;
            current = property.GetValue(current);
            if (step.Groups["index"].Success)
            {
                if (current is not IList list) return null;
                var index = int.Parse(step.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (index >= list.Count) return null;
                current = list[index];
                property = null;   // the item's own rules are its properties'; the list's rules are about the list
            }
        }
        return (property, current);
    }

    static string JsonPath(string path) =>
        string.Join('.', path.Split('.').Select(RequestErrors.CamelCase));

    [GeneratedRegex(@"(?<name>[A-Za-z0-9_]+)(\[(?<index>\d+)\])?")]
    private static partial Regex Step();
}
