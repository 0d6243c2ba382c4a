using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace Parley.Api;

/// <summary>One thing wrong with a request: where (a camelCase field path as the caller wrote it) and which rule.</summary>
public sealed record RequestError(string Field, string Rule);

/// <summary>
/// Turns what the framework and System.Text.Json say about a bad request into the words API users know: the field
/// path they wrote, and the rule, with no .NET type names and no PascalCase. Both report some failures only as
/// message text (a value that did not bind, a duplicate property, a data-annotation rule), so those messages are
/// matched here, in one place, against the forms the framework's own sources give them.
/// </summary>
public static partial class RequestErrors
{
    /// <summary>The field a body-level problem is reported under when it has no path of its own.</summary>
    public const string Body = "body";

    /// <summary>A body that System.Text.Json could not read as <paramref name="bodyType"/>.</summary>
    public static RequestError FromJson(JsonException error, Type? bodyType, JsonSerializerOptions options)
    {
        var field = FieldPath(error.Path);
        var where = field == Body ? "The request body" : $"The {field} field";

        if (error.Message.StartsWith(ApiJson.NulInText, StringComparison.Ordinal))
            return new(field, $"{where} must not contain the character U+0000 (NUL).");

        if (IsNotUtf8(error))
            return new(field, $"{where} is not valid UTF-8 text. Send JSON encoded as UTF-8.");

        var duplicate = DuplicateProperty().Match(error.Message);
        if (duplicate.Success)
        {
            var name = duplicate.Groups["name"].Value;
            return new(field == Body ? name : field, $"The {name} property appears more than once; send each property once.");
        }

        if (error.Message.StartsWith("The JSON value could not be converted to", StringComparison.Ordinal))
        {
            var kind = bodyType is null ? null : KindAt(bodyType, error.Path, options);
            return new(field, kind is null ? $"{where} has the wrong type." : $"{where} must be {kind}.");
        }

        // A syntax error: System.Text.Json's reader messages name the character and the place, and no type.
        var reason = error.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd('.', ' ');
        var place = error.LineNumber is { } line && error.BytePositionInLine is { } column
            ? $" (line {line + 1}, byte {column + 1})"
            : "";
        return new(Body, $"The request body is not valid JSON: {reason}{place}.");
    }

    /// <summary>A route or query value the framework could not bind: <c>Failed to bind parameter "int page" from "abc".</c></summary>
    public static RequestError? FromBinding(string frameworkMessage)
    {
        var failed = FailedToBind().Match(frameworkMessage);
        if (failed.Success)
        {
            var name = CamelCase(failed.Groups["name"].Value);
            var kind = KindOfTypeName(failed.Groups["type"].Value);
            return new(name, $"The {name} parameter must be {kind}; \"{failed.Groups["value"].Value}\" is not.");
        }

        var missing = NotProvided().Match(frameworkMessage);
        if (missing.Success)
        {
            return missing.Groups["source"].Value == "body"
                ? new(Body, "The request needs a JSON body.")
                : new(CamelCase(missing.Groups["name"].Value), $"The {CamelCase(missing.Groups["name"].Value)} parameter is required.");
        }
        if (frameworkMessage.Contains("no body was provided", StringComparison.OrdinalIgnoreCase))
            return new(Body, "The request needs a JSON body.");
        return null;
    }

    /// <summary>
    /// A data-annotation message in the caller's terms: DataAnnotations says "The field Temperature must be between 0
    /// and 2."; the caller sent <c>parameters.temperature</c>.
    /// </summary>
    public static string InJsonTerms(string field, string message)
    {
        var leaf = field[(field.LastIndexOf('.') + 1)..];
        var bracket = leaf.IndexOf('[', StringComparison.Ordinal);
        if (bracket > 0) leaf = leaf[..bracket];
        if (leaf.Length == 0) return message;
        var clrName = char.ToUpperInvariant(leaf[0]) + leaf[1..];

        var subject = $"The {field} field";
        message = message
            .Replace($"The field {clrName} ", subject + " ", StringComparison.Ordinal)
            .Replace($"The field {leaf} ", subject + " ", StringComparison.Ordinal)
            .Replace($"The {clrName} field", subject, StringComparison.Ordinal)
            .Replace($"The {leaf} field", subject, StringComparison.Ordinal);
        message = MaxItems().Replace(message, "must have at most $1 items.");
        message = MinItems().Replace(message, "must have at least $1 items.");
        message = MaxCharacters().Replace(message, "must be at most $1 characters long.");
        message = MinMaxCharacters().Replace(message, "must be $1 to $2 characters long.");
        return message;
    }

    public static string CamelCase(string name) => name.Length > 0 ? char.ToLowerInvariant(name[0]) + name[1..] : name;

    /// <summary><c>$.parameters.stop[2]</c> → <c>parameters.stop[2]</c>; the root is the body.</summary>
    static string FieldPath(string? jsonPath)
    {
        if (jsonPath is null or "$") return Body;
        return jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');
    }

    /// <summary>What a value at <paramref name="jsonPath"/> of <paramref name="root"/> must be, in words.</summary>
    static string? KindAt(Type root, string? jsonPath, JsonSerializerOptions options)
    {
        var type = root;
        foreach (Match step in PathStep().Matches(jsonPath ?? "$"))
        {
            var info = options.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type);
            if (step.Groups["index"].Success)
            {
                if (info.ElementType is not { } element) return null;
                type = element;
            }
            else if (info.Kind == JsonTypeInfoKind.Object)
            {
                var name = step.Groups["name"].Value;
                if (info.Properties.FirstOrDefault(p => p.Name == name) is not { } property) return null;
                type = property.PropertyType;
            }
            else if (info.Kind == JsonTypeInfoKind.Dictionary && info.ElementType is { } value)
            {
                type = value;
            }
            else
            {
                return null;
            }
        }
        return KindOf(type);
    }

    static string KindOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "a string";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(Guid)) return "a UUID such as 0196f0b1-172d-7bbc-9393-4273b86667d2";
        if (type == typeof(DateTime) || type == typeof(DateTimeOffset)) return "a date and time such as 2026-01-31T12:00:00Z";
        if (type == typeof(int) || type == typeof(long) || type == typeof(short)) return "a whole number";
        if (type == typeof(float) || type == typeof(double) || type == typeof(decimal)) return "a number";
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => $"\"{CamelCase(n)}\""));
        if (typeof(IEnumerable).IsAssignableFrom(type)) return "a JSON array";
        return "a JSON object";
    }

    static string KindOfTypeName(string typeName) => typeName.TrimEnd('?') switch
    {
        "int" or "long" or "short" or "Int32" or "Int64" => "a whole number",
        "float" or "double" or "decimal" or "Single" or "Double" or "Decimal" => "a number",
        "bool" or "Boolean" => "true or false",
        "Guid" => "a UUID",
        "DateTime" or "DateTimeOffset" => "a date and time",
        _ => "a valid value",
    };

    // The reader reports bytes that are not UTF-8 as a failed conversion whose inner error says so.
    static bool IsNotUtf8(JsonException error) =>
        error.InnerException is InvalidOperationException { Message: var message } && message.Contains("UTF-8", StringComparison.Ordinal)
        || error.InnerException is System.Text.DecoderFallbackException;

    [GeneratedRegex("""^Duplicate property '(?<name>[^']+)'""")]
    private static partial Regex DuplicateProperty();

    [GeneratedRegex("""^Failed to bind parameter "(?<type>\S+) (?<name>[^"]+)" from "(?<value>.*)"\.?$""")]
    private static partial Regex FailedToBind();

    [GeneratedRegex("""^Required parameter "(?:\S+ )?(?<name>[^"]+)" was not provided from (?<source>query string|route|header|body)""")]
    private static partial Regex NotProvided();

    [GeneratedRegex("""\.(?<name>[^.\[]+)|\[(?<index>\d+)\]|\['(?<name>[^']+)'\]""")]
    private static partial Regex PathStep();

    [GeneratedRegex("""must be a string or array type with a maximum length of '(\d+)'\.""")]
    private static partial Regex MaxItems();

    [GeneratedRegex("""must be a string or array type with a minimum length of '(\d+)'\.""")]
    private static partial Regex MinItems();

    [GeneratedRegex("""must be a string with a maximum length of (\d+)\.""")]
    private static partial Regex MaxCharacters();

    [GeneratedRegex("""must be a string with a minimum length of (\d+) and a maximum length of (\d+)\.""")]
    private static partial Regex MinMaxCharacters();
}
