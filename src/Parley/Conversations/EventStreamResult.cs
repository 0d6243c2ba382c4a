using System.Buffers;
using System.IO.Pipelines;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Parley.Hosting;

namespace Parley.Conversations;

/// <summary>
/// Writes reply events as server-sent events, with a comment line at a steady interval while the model is
/// silent (Parley:HeartbeatSeconds, 15 by default) so proxies and CDNs neither time the stream out nor hold it back. The framework's SSE result cannot write
/// comment lines, so the (three-line) wire format is written here.
/// </summary>
public sealed class EventStreamResult(IAsyncEnumerable<SseItem<object>> events) : IResult, IEndpointMetadataProvider
{
    static readonly byte[] HeartbeatLine = ": keep-alive\n\n"u8.ToArray();
    static readonly byte[] EventPrefix = "event: "u8.ToArray();
    static readonly byte[] DataPrefix = "\ndata: "u8.ToArray();
    static readonly byte[] EventEnd = "\n\n"u8.ToArray();

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var ct = httpContext.RequestAborted;
        response.ContentType = "text/event-stream";
        // Proxies such as nginx buffer responses unless told not to, which would deliver a reply in one burst; a
        // reply is part of a private conversation, so nothing may keep it.
        response.Headers.CacheControl = "no-store, no-transform";
        response.Headers["X-Accel-Buffering"] = "no";
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var services = httpContext.RequestServices;
        var json = services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var heartbeat = TimeSpan.FromSeconds(services.GetRequiredService<IOptions<ParleyOptions>>().Value.HeartbeatSeconds);

        // The source starts before the caller sees the stream open, so a stream that subscribes to something (a
        // session's activity) misses nothing that happens after the caller got the headers.
        await using var items = events.GetAsyncEnumerator(ct);
        var next = items.MoveNextAsync();
        var nextAwaited = false;
        var body = response.BodyWriter;
        await using var writer = new Utf8JsonWriter(body);
        await using var heartbeats = new Heartbeats(body, heartbeat, ct);
        try
        {
            await response.Body.FlushAsync(ct);
            while (true)
            {
                nextAwaited = true;
                if (!await next) break;

                await heartbeats.Writing.WaitAsync(ct);
                try
                {
                    // Written straight into the response's buffer: no string per token.
                    var item = items.Current;
                    body.Write(EventPrefix);
                    Encoding.UTF8.GetBytes(item.EventType, body);
                    body.Write(DataPrefix);
                    writer.Reset(body);
                    JsonSerializer.Serialize(writer, item.Data, json);
                    writer.Flush();
                    body.Write(EventEnd);
                    heartbeats.Wrote();
                    // Events that are already waiting go out with this one, in one send: under load the stream catches
                    // up in fewer, larger writes instead of falling behind one small write at a time.
                    next = items.MoveNextAsync();
                    nextAwaited = false;
                    if (!next.IsCompleted) await body.FlushAsync(ct);
                }
                finally
                {
                    heartbeats.Writing.Release();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The caller went away; the reply itself goes on (see ReplyRun).
        }
        finally
        {
            // An event source cannot be disposed while it is waiting for its next event; it stops waiting on the
            // request's cancellation, so this ends at once.
            if (!nextAwaited) await ((Task)next.AsTask()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// A comment line whenever a whole interval passed with nothing written, from one timer per stream: racing every
    /// event against a heartbeat delay cost an allocation and a continuation per token. <see cref="Writing"/> keeps a
    /// heartbeat and an event from being written at the same time.
    /// </summary>
    sealed class Heartbeats : IAsyncDisposable
    {
        readonly PipeWriter body;
        readonly CancellationToken ct;
        readonly Timer timer;
        int wroteSinceBeat;

        public Heartbeats(PipeWriter body, TimeSpan interval, CancellationToken ct)
        {
            (this.body, this.ct) = (body, ct);
            timer = new Timer(static state => ((Heartbeats)state!).Beat(), this, interval, interval);
        }

        public SemaphoreSlim Writing { get; } = new(1, 1);

        public void Wrote() => Volatile.Write(ref wroteSinceBeat, 1);

        void Beat()
        {
            // An event being written right now is traffic enough.
            if (Interlocked.Exchange(ref wroteSinceBeat, 0) == 1 || !Writing.Wait(0)) return;
            _ = WriteAsync();
        }

        async Task WriteAsync()
        {
            try
            {
                body.Write(HeartbeatLine);
                await body.FlushAsync(ct);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
                // The caller went away or the stream ended; the next event (if any) finds out the same way.
            }
            finally
            {
                Writing.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await timer.DisposeAsync();
            // A heartbeat still being written must be out before the response ends.
            await Writing.WaitAsync(CancellationToken.None);
            Writing.Dispose();
        }
    }

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), ["text/event-stream"]));
}
