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
        app.MapPost("/v1/audio/speech", SpeechAsync);
        app.MapPost("/v1/audio/transcriptions", TranscriptionAsync);
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
            context.Request.HasFormContentType
                ? await ReadFormAsync(context.Request, context.RequestAborted)
                : await ReadBodyAsync(context.Request, context.RequestAborted));

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

        for (var i = 0; i < reply.ToolCalls.Count; i++)
        {
            var call = reply.ToolCalls[i];
            var half = call.ArgumentsJson.Length / 2;
            chunks.ToolCall(i, call, call.ArgumentsJson[..half], first: true);
            chunks.ToolCall(i, call, call.ArgumentsJson[half..], first: false);
            await response.BodyWriter.FlushAsync(ct);
        }
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

    // ---- Audio: /audio/speech streams a WAV made here, in chunks; /audio/transcriptions answers a scripted text.

    /// <summary>What /audio/speech streams: a short tone, unless a test sets its own bytes.</summary>
    public byte[] SpeechAudio { get; set; } = Wav(TimeSpan.FromSeconds(1.5), 440);

    /// <summary>What /audio/transcriptions answers while no text is scripted.</summary>
    public string TranscriptionText { get; set; } = "echo transcription";

    /// <summary>The pause between the chunks of the speech audio, so streaming is real.</summary>
    public TimeSpan SpeechChunkDelay { get; set; } = TimeSpan.FromMilliseconds(40);

    readonly ConcurrentQueue<ScriptedReply> audioReplies = new();

    /// <summary>
    /// Scripts the next audio request (speech or transcription): an error status (<see cref="ScriptedReply.Error"/>),
    /// or for a transcription the text, as the reply's tokens.
    /// </summary>
    public void EnqueueAudio(ScriptedReply reply) => audioReplies.Enqueue(reply);

    async Task SpeechAsync(HttpContext context)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping.Token);
        var ct = cancel.Token;
        if (audioReplies.TryDequeue(out var scripted) && scripted.StatusCode is >= 400 and var status)
        {
            await WriteJsonAsync(context.Response, status, OpenAiJson.Error(status, scripted.ErrorMessage), ct);
            return;
        }
        context.Response.ContentType = "audio/wav";
        var audio = SpeechAudio;
        var chunk = Math.Max(1, audio.Length / 4 + 1);
        for (var at = 0; at < audio.Length; at += chunk)
        {
            if (at > 0) await Task.Delay(SpeechChunkDelay, ct);
            await context.Response.Body.WriteAsync(audio.AsMemory(at, Math.Min(chunk, audio.Length - at)), ct);
            await context.Response.Body.FlushAsync(ct);
        }
    }

    async Task TranscriptionAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var text = TranscriptionText;
        if (audioReplies.TryDequeue(out var scripted))
        {
            if (scripted.StatusCode is >= 400 and var status)
            {
                await WriteJsonAsync(context.Response, status, OpenAiJson.Error(status, scripted.ErrorMessage), ct);
                return;
            }
            text = string.Concat(scripted.Tokens);
        }
        await WriteJsonAsync(context.Response, 200, new JsonObject { ["text"] = text }, ct);
    }

    /// <summary>A form is kept as JSON: its fields, and each file's name, type, size and bytes (base64).</summary>
    static async Task<JsonElement> ReadFormAsync(HttpRequest request, CancellationToken ct)
    {
        var form = await request.ReadFormAsync(ct);
        var json = new JsonObject();
        foreach (var (name, value) in form) json[name] = value.ToString();
        foreach (var file in form.Files)
        {
            using var bytes = new MemoryStream();
            await file.CopyToAsync(bytes, ct);
            json[file.Name] = new JsonObject
            {
                ["fileName"] = file.FileName, ["contentType"] = file.ContentType, ["size"] = file.Length, ["data"] = Convert.ToBase64String(bytes.ToArray()),
            };
        }
        return JsonSerializer.SerializeToElement(json);
    }

    /// <summary>A mono 16-bit PCM WAV of a sine tone: speech audio to relay, or a microphone's sound.</summary>
    public static byte[] Wav(TimeSpan duration, double hertz, int sampleRate = 16_000)
    {
        var samples = (int)(duration.TotalSeconds * sampleRate);
        using var wav = new MemoryStream();
        using (var w = new BinaryWriter(wav, System.Text.Encoding.ASCII, leaveOpen: true))
        {
            w.Write("RIFF"u8);
            w.Write(36 + samples * 2);
            w.Write("WAVEfmt "u8);
            w.Write(16);
            w.Write((short)1);            // PCM
            w.Write((short)1);            // mono
            w.Write(sampleRate);
            w.Write(sampleRate * 2);      // bytes per second
            w.Write((short)2);            // bytes per frame
            w.Write((short)16);           // bits per sample
            w.Write("data"u8);
            w.Write(samples * 2);
            for (var i = 0; i < samples; i++)
                w.Write((short)(Math.Sin(2 * Math.PI * hertz * i / sampleRate) * 8000));
        }
        return wav.ToArray();
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
