using System.Text.Json;
using System.Text.Json.Serialization;

namespace Parley.Api;

/// <summary>How every JSON body Parley reads and writes is treated.</summary>
public static class ApiJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // The AIVAX documents' own examples carry // comments and trailing commas; bodies copied from them must work.
        options.ReadCommentHandling = JsonCommentHandling.Skip;
        options.AllowTrailingCommas = true;
        // A number is a number on every field: "0.5" is refused like any other wrong type, and the API document says
        // "number" rather than "number or string".
        options.NumberHandling = JsonNumberHandling.Strict;
        // {"tag":"a","tag":"b"} means two different things to different parsers; refuse it rather than guess.
        options.AllowDuplicateProperties = false;
        options.Converters.Add(new TextWithoutNul());
    }

    /// <summary>
    /// U+0000 is valid JSON but no text: PostgreSQL cannot store it in text or jsonb, and SQLite's C string functions
    /// stop at it. Refused at the field it came in, on every database alike.
    /// </summary>
    sealed class TextWithoutNul : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            return text is not null && text.Contains('\0', StringComparison.Ordinal) ? throw new JsonException(NulInText) : text;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    public const string NulInText = "The text holds the character U+0000 (NUL).";

    /// <summary>The same rules for bodies Parley parses itself (the relay, merge patches).</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
    };
}
