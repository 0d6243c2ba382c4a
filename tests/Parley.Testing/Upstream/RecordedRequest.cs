using System.Text.Json;

namespace Parley.Testing.Upstream;

/// <summary>One request <see cref="TestUpstream"/> received; Body is default when the request had none.</summary>
public sealed record RecordedRequest(string Path, string? Authorization, JsonElement Body)
{
    public string Model => StringProperty(Body, "model") ?? "";

    public bool Stream => Property(Body, "stream") is { ValueKind: JsonValueKind.True };

    public IReadOnlyList<(string Role, string Content)> Messages =>
        Property(Body, "messages") is { ValueKind: JsonValueKind.Array } messages
            ? [.. messages.EnumerateArray().Select(m => (StringProperty(m, "role") ?? "", ContentText(m)))]
            : [];

    // Content is a string, an array of parts (text parts are kept, images and audio dropped) or null.
    static string ContentText(JsonElement message) => Property(message, "content") switch
    {
        { ValueKind: JsonValueKind.String } text => text.GetString()!,
        { ValueKind: JsonValueKind.Array } parts => string.Concat(parts.EnumerateArray().Select(p => StringProperty(p, "text"))),
        _ => "",
    };

    internal static JsonElement? Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : null;

    static string? StringProperty(JsonElement element, string name) =>
        Property(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
}
