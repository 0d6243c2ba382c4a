using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Admin;
using Parley.Api;
using Parley.Conversations;
using Parley.Data;

namespace Parley.Gateways;

/// <summary>
/// OpenAI-compatible chat completions where <c>model</c> is a gateway id. The request is relayed to the gateway's
/// provider with the gateway's system instruction and parameters applied, and the answer is passed back byte for
/// byte, so every field an OpenAI SDK sends or reads (tools, images, logprobs) works without Parley knowing it.
/// Only its shape is checked (<see cref="ProviderAnswers"/>): a provider fault is a 502 in OpenAI's error shape.
/// </summary>
public static class CompletionsRelay
{
    public static IEndpointRouteBuilder MapCompletionsRelay(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", RelayAsync)
            .WithTags("OpenAI-compatible")
            .RequireAuthorization(AdminKeyAuthentication.Policy)
            .Accepts<JsonObject>("application/json")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return app;
    }

    static async Task RelayAsync(HttpContext http, AppDb db, GatewayCache gateways, IHttpClientFactory httpClients, CancellationToken ct)
    {
        if (!http.Request.HasJsonContentType())
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType).ExecuteAsync(http);
            return;
        }
        JsonObject? body;
        try
        {
            body = await JsonNode.ParseAsync(http.Request.Body, documentOptions: ApiJson.DocumentOptions, cancellationToken: ct) as JsonObject;
        }
        catch (JsonException ex)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, "invalid_json", "The body is not valid JSON: " + ex.Message);
            return;
        }
        if (body is null || body["messages"] is not JsonArray messages)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, "missing_messages", "The body must be a JSON object with a messages array.");
            return;
        }

        var model = body["model"] is JsonValue value && value.TryGetValue<string>(out var m) ? m : null;
        var cached = Guid.TryParse(model, out var id) ? await gateways.GetAsync(id, db, ct) : null;
        if (cached is not { Gateway: var gateway })
        {
            await OpenAiErrors.ModelNotFound(model).ExecuteAsync(http);
            return;
        }

        var streaming = ApplyGateway(body, messages, gateway.Parameters);
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Parameters.BaseAddress.TrimEnd('/') + "/chat/completions")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (cached.ApiKey is { } apiKey)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);

        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(ModelClients.HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ProviderErrors.IsConnectTimeout(ex) && !ct.IsCancellationRequested))
        {
            await ProviderFaultAsync(http, ex);
            return;
        }

        using (response)
        {
            var contentType = response.Content.Headers.ContentType?.ToString();
            if (!response.IsSuccessStatusCode)
            {
                // The provider's own error (a 400 naming a bad field, a 429) is the caller's to read.
                http.Response.StatusCode = (int)response.StatusCode;
                http.Response.ContentType = contentType ?? "application/json";
                await response.Content.CopyToAsync(http.Response.Body, ct);
            }
            else if (streaming)
            {
                await RelayStreamAsync(http, response, contentType, ct);
            }
            else
            {
                byte[] completion;
                try
                {
                    completion = await response.Content.ReadAsByteArrayAsync(ct);
                }
                catch (IOException ex)
                {
                    await ProviderFaultAsync(http, ex);
                    return;
                }
                if (!ProviderAnswers.IsChatCompletion(completion))
                {
                    await ProviderFaultAsync(http, new ProviderBadResponseException("The provider's 200 is not a chat completion."));
                    return;
                }
                http.Response.ContentType = contentType ?? "application/json";
                await http.Response.Body.WriteAsync(completion, ct);
            }
        }
    }

    static async Task RelayStreamAsync(HttpContext http, HttpResponseMessage response, string? contentType, CancellationToken ct)
    {
        if (!ProviderAnswers.IsEventStream(contentType))
        {
            await ProviderFaultAsync(http, new ProviderBadResponseException("The provider's 200 to a streamed request is not an event stream."));
            return;
        }
        http.Response.ContentType = contentType;
        http.Response.Headers["X-Accel-Buffering"] = "no";
        http.Response.Headers.CacheControl = "no-store, no-transform";
        await using var upstream = new UntilDoneStream(await response.Content.ReadAsStreamAsync(ct));
        try
        {
            await upstream.CopyToAsync(http.Response.Body, ct);
        }
        catch (IOException)
        {
            // The provider's stream broke or ended before [DONE]; ending ours the same way tells the caller it is cut off.
            http.Abort();
        }
    }

    /// <summary>The gateway's settings win over the caller's, the way an operator expects a configured assistant to behave.</summary>
    static bool ApplyGateway(JsonObject body, JsonArray messages, GatewayParameters gateway)
    {
        body["model"] = gateway.ModelName;
        if (gateway.SystemInstruction is { Length: > 0 } system)
            messages.Insert(0, new JsonObject { ["role"] = "system", ["content"] = system });

        SetWhenConfigured(body, "temperature", gateway.Temperature);
        SetWhenConfigured(body, "top_p", gateway.TopP);
        SetWhenConfigured(body, "presence_penalty", gateway.PresencePenalty);
        SetWhenConfigured(body, "frequency_penalty", gateway.FrequencyPenalty);
        SetWhenConfigured(body, "max_completion_tokens", gateway.MaxCompletionTokens);
        if (gateway.Stop is { Count: > 0 } stop) body["stop"] = new JsonArray([.. stop.Select(s => JsonValue.Create(s))]);

        var streaming = body["stream"] is JsonValue s && s.TryGetValue<bool>(out var on) && on;
        if (streaming)
        {
            // Usage is part of the contract, so streams always ask the provider for it.
            var options = body["stream_options"] as JsonObject ?? [];
            options["include_usage"] = true;
            body["stream_options"] = options;
        }
        return streaming;
    }

    static void SetWhenConfigured<T>(JsonObject body, string name, T? value) where T : struct
    {
        if (value is { } v) body[name] = JsonValue.Create(v);
    }

    /// <summary>The same code and message a conversation would get for the fault, as a 502.</summary>
    static Task ProviderFaultAsync(HttpContext http, Exception fault)
    {
        var (code, message) = ProviderErrors.Describe(fault);
        return ErrorAsync(http, StatusCodes.Status502BadGateway, code, message);
    }

    /// <summary>Rendered in OpenAI's shape by <see cref="OpenAiErrors"/>, like every error of the /v1 routes.</summary>
    static Task ErrorAsync(HttpContext http, int status, string code, string message) => ApiProblem.Create(status, code, message).ExecuteAsync(http);
}
