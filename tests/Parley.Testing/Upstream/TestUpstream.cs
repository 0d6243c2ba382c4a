using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Testing.Upstream;

/// <summary>
/// A local OpenAI Chat Completions server on a random loopback port. Replies are scripted per test
/// (FIFO, one per chat completion request); unscripted requests get <see cref="DefaultReply"/>.
/// </summary>
public sealed class TestUpstream : IAsyncDisposable
{
    readonly WebApplication app;
    readonly ConcurrentQueue<ScriptedReply> replies = new();
    readonly List<RecordedRequest> requests = [];
    readonly CancellationTokenSource stopping = new();
    readonly bool recordRequests;
    TaskCompletionSource requestArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    TestUpstream(bool recordRequests)
    {
        this.recordRequests = recordRequests;
        // The empty builder reads no appsettings, environment variables or Kestrel config meant for the app
        // under test, and has no logging providers, so the upstream stays quiet.
        var builder = WebApplication.CreateEmptyBuilder(new());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        app = builder.Build();
        app.Use(RecordAsync);
        app.MapPost("/v1/chat/completions", ChatCompletionsAsync);
        app.MapGet("/v1/models", () => TypedResults.Json(OpenAiJson.Models(Now())));
    }

    public string BaseAddress { get; private set; } = "";

    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (requests) return [.. requests]; }
    }

    /// <summary>Starts the upstream; benchmarks pass <paramref name="recordRequests"/> false so memory stays flat.</summary>
    public static async Task<TestUpstream> StartAsync(bool recordRequests = true)
    {
        var upstream = new TestUpstream(recordRequests);
        await upstream.app.StartAsync();
        upstream.BaseAddress = $"{upstream.app.Urls.Single()}/v1"; // the real port, now that Kestrel is listening
        return upstream;
    }

    public void Enqueue(ScriptedReply reply) => replies.Enqueue(reply);

    /// <summary>What requests get once the scripted replies ran out; null answers "echo: " + the last user message.</summary>
    public ScriptedReply? DefaultReply { get; set; }

    public async Task<RecordedRequest> WaitForRequestAsync(int count, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            Task arrived;
            lock (requests)
            {
                if (requests.Count >= count)
                    return requests[count - 1];
                arrived = requestArrived.Task;
            }

            try
            {
                await arrived.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Expected {count} request(s) within {timeout}, the upstream got {Requests.Count}.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Cancel scripted delays first so a long streaming reply does not hold up shutdown.
        await stopping.CancelAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
        stopping.Dispose();
    }

    async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        var request = new RecordedRequest(
            context.Request.Path.Value ?? "",
            context.Request.Headers.Authorization.Count > 0 ? context.Request.Headers.Authorization.ToString() : null,
            await ReadBodyAsync(context.Request, context.RequestAborted));

        if (recordRequests)
        {
            TaskCompletionSource arrived;
            lock (requests)
            {
                requests.Add(request);
                arrived = requestArrived;
                requestArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            arrived.SetResult();
        }

        context.Items[typeof(RecordedRequest)] = request;
        await next(context);
    }

    async Task ChatCompletionsAsync(HttpContext context)
    {
        var request = (RecordedRequest)context.Items[typeof(RecordedRequest)]!;
        if (request.Body.ValueKind != JsonValueKind.Object)
        {
            await WriteJsonAsync(context.Response, 400, OpenAiJson.Error(400, "We could not parse the JSON body of your request."), context.RequestAborted);
            return;
        }

        var reply = replies.TryDequeue(out var scripted) ? scripted : DefaultReply ?? ScriptedReply.Text("echo: " + LastUserText(request));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping.Token);
        var ct = cancel.Token;

        if (reply.StatusCode is >= 400 and var status)
        {
            if (reply.RetryAfter is { } retryAfter)
                context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await WriteJsonAsync(context.Response, status, OpenAiJson.Error(status, reply.ErrorMessage), ct);
        }
        else if (reply.RawBody is { } raw)
        {
            if (reply.RawContentType is { } contentType)
                context.Response.ContentType = contentType;
            await context.Response.WriteAsync(raw, ct);
        }
        else if (request.Stream)
        {
            await StreamAsync(context, request, reply, ct);
        }
        else
        {
            await Task.Delay(reply.FirstTokenDelay, ct);
            if (reply.DropAfterTokens is not null)
                context.Abort();
            else
                await WriteJsonAsync(context.Response, 200, OpenAiJson.Completion(NewId(), Now(), ModelOf(request), reply), ct);
        }
    }

    static async Task StreamAsync(HttpContext context, RecordedRequest request, ScriptedReply reply, CancellationToken ct)
    {
        var includeUsage = RecordedRequest.Property(request.Body, "stream_options") is { } options
            && RecordedRequest.Property(options, "include_usage") is { ValueKind: JsonValueKind.True };
        var response = context.Response;
        using var chunks = new OpenAiJson.ChunkWriter(response.BodyWriter, NewId(), Now(), ModelOf(request), includeUsage);

        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        await response.Body.FlushAsync(ct);
        await Task.Delay(reply.FirstTokenDelay, ct);
        chunks.Role();
        await response.BodyWriter.FlushAsync(ct);

        var deltas = reply.ReasoningTokens.Select(t => (Field: "reasoning_content", Text: t))
            .Concat(reply.Tokens.Select(t => (Field: "content", Text: t)));
        var (sent, contentSent) = (0, 0);
        var stopAfter = reply.DropAfterTokens ?? reply.EndAfterTokens;
        foreach (var (field, text) in deltas)
        {
            var isContent = field == "content";
            if (isContent && contentSent == stopAfter)
                break;
            if (isContent && contentSent == reply.HoldAfterTokens)
                await reply.Release.Task.WaitAsync(ct);
            if (sent++ > 0)
                await Task.Delay(reply.TokenDelay, ct);
            // One flush per chunk, so each token reaches the client on its own.
            chunks.Delta(field, text);
            await response.BodyWriter.FlushAsync(ct);
            contentSent += isContent ? 1 : 0;
        }
        if (contentSent == reply.DropAfterTokens)
        {
            // Abort resets the connection and drops what Kestrel has not yet handed to the socket, so give
            // the flushed chunks a moment to leave; the client then reads them and fails on the reset.
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            context.Abort();
            return;
        }
        if (contentSent == reply.EndAfterTokens)
            return;

        chunks.Finish(reply.FinishReason);
        if (includeUsage && reply.Usage is { } usage)
            chunks.Usage(usage);
        if (!reply.OmitDone)
            chunks.Done();
        await response.BodyWriter.FlushAsync(ct);
    }

    static async Task WriteJsonAsync(HttpResponse response, int status, JsonObject body, CancellationToken ct)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        await response.WriteAsync(body.ToJsonString(), ct);
    }

    static async Task<JsonElement> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body, leaveOpen: true);
        var text = await reader.ReadToEndAsync(ct);
        if (text.Length == 0)
            return default;
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(text); // kept as a JSON string so tests can see what was sent
        }
    }

    static string LastUserText(RecordedRequest request) =>
        request.Messages.LastOrDefault(m => m.Role == "user").Content ?? "";

    static string ModelOf(RecordedRequest request) => request.Model is "" ? OpenAiJson.ModelId : request.Model;

    static string NewId() => $"chatcmpl-{Guid.NewGuid():N}";

    static long Now() => TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
}
