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
    }

    /// <summary>The same rules for bodies Parley parses itself (the relay, merge patches).</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
    };
}
