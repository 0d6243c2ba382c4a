using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Parley.Conversations;

/// <summary>
/// Writes reply events as server-sent events, with a comment line every <see cref="Heartbeat"/> while the model is
/// silent so proxies and CDNs neither time the stream out nor hold it back. The framework's SSE result cannot write
/// comment lines, so the (three-line) wire format is written here.
/// </summary>
public sealed class EventStreamResult(IAsyncEnumerable<SseItem<object>> events) : IResult, IEndpointMetadataProvider
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);
    static readonly byte[] HeartbeatLine = ": keep-alive\n\n"u8.ToArray();

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var ct = httpContext.RequestAborted;
        response.ContentType = "text/event-stream";
        // Proxies such as nginx buffer responses unless told not to, which would deliver a reply in one burst.
        response.Headers.CacheControl = "no-cache, no-transform";
        response.Headers["X-Accel-Buffering"] = "no";
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var json = httpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;

        await response.Body.FlushAsync(ct);
        await using var items = events.GetAsyncEnumerator(ct);
        var next = items.MoveNextAsync().AsTask();
        try
        {
            while (true)
            {
                if (await Task.WhenAny(next, Task.Delay(Heartbeat, ct)) != next)
                {
                    await response.Body.WriteAsync(HeartbeatLine, ct);
                    await response.Body.FlushAsync(ct);
                    continue;
                }
                if (!await next) break;

                var item = items.Current;
                var payload = new StringBuilder()
                    .Append("event: ").Append(item.EventType).Append('\n')
                    .Append("data: ").Append(JsonSerializer.Serialize(item.Data, json)).Append("\n\n")
                    .ToString();
                await response.Body.WriteAsync(Encoding.UTF8.GetBytes(payload), ct);
                await response.Body.FlushAsync(ct);
                next = items.MoveNextAsync().AsTask();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The caller went away; the reply itself goes on (see ReplyRun).
        }
    }

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), ["text/event-stream"]));
}
