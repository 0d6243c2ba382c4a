using System.Net.Http.Headers;
using System.Text.Json;

namespace Parley.Gateways;

/// <summary>
/// What a provider's 200 must be to count as an answer: to a streamed request an event stream, otherwise a chat
/// completion. A proxy's error page, an empty body or JSON of another shape would otherwise pass for an empty reply.
/// </summary>
public static class ProviderAnswers
{
    public static bool IsEventStream(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var type)
        && string.Equals(type.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);

    /// <summary>A JSON object with a <c>choices</c> array; the rest is the caller's to read.</summary>
    public static bool IsChatCompletion(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

/// <summary>The provider answered 200 with something that is not what was asked for.</summary>
public sealed class ProviderBadResponseException(string message) : Exception(message);
