using System.Net.Http.Headers;

namespace Parley.Gateways;

/// <summary>
/// What a provider's 200 must be to count as an answer to a streamed request: an event stream. A proxy's error page,
/// an empty body or JSON of another shape would otherwise pass for an empty reply.
/// </summary>
public static class ProviderAnswers
{
    public static bool IsEventStream(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var type)
        && string.Equals(type.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The provider answered 200 with something that is not what was asked for.</summary>
public sealed class ProviderBadResponseException(string message) : Exception(message);
