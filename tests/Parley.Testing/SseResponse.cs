using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace Parley.Testing;

public sealed record SseEvent(string Type, JsonElement Data);

/// <summary>What a client of the streaming API sees: the status, and either the events or the problem.</summary>
public sealed record SseResponse(HttpStatusCode Status, string? ContentType, IReadOnlyList<SseEvent> Events, JsonElement? Problem)
{
    public static async Task<SseResponse> ReadAsync(HttpResponseMessage response, CancellationToken ct = default)
    {
        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (contentType != "text/event-stream")
            return new(response.StatusCode, contentType, [], await response.Content.ReadFromJsonAsync<JsonElement>(ct));

        var events = new List<SseEvent>();
        await foreach (var item in ReadEventsAsync(response, ct)) events.Add(item);
        return new(response.StatusCode, contentType, events, null);
    }

    public static async IAsyncEnumerable<SseEvent> ReadEventsAsync(HttpResponseMessage response, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(ct))
            yield return new SseEvent(item.EventType, JsonDocument.Parse(item.Data).RootElement.Clone());
    }

    public IEnumerable<string> Types => Events.Select(e => e.Type);

    public string Text => string.Concat(Events.Where(e => e.Type == "delta").Select(e => e.Data.GetProperty("content").GetString()));

    public SseEvent Last => Events[^1];

    public string ProblemCode => Problem?.GetProperty("code").GetString() ?? "";
}
