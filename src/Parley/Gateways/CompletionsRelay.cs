using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Admin;
using Parley.Data;

namespace Parley.Gateways;

/// <summary>
/// OpenAI-compatible chat completions where <c>model</c> is a gateway id. The request is relayed to the gateway's
/// provider with the gateway's system instruction and parameters applied, and the answer is passed back byte for
/// byte, so every field an OpenAI SDK sends or reads (tools, images, logprobs) works without Parley knowing it.
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
        JsonObject? body;
        try
        {
            body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: ct) as JsonObject;
        }
        catch (JsonException ex)
        {
            await ErrorAsync(http, 400, "invalid_request_error", "invalid_json", "The body is not valid JSON: " + ex.Message, ct);
            return;
        }
        if (body is null || body["messages"] is not JsonArray messages)
        {
            await ErrorAsync(http, 400, "invalid_request_error", "missing_messages", "The body must be a JSON object with a messages array.", ct);
            return;
        }

        var model = body["model"] is JsonValue value && value.TryGetValue<string>(out var m) ? m : null;
        var cached = Guid.TryParse(model, out var id) ? await gateways.GetAsync(id, db, ct) : null;
        if (cached is not { Gateway: var gateway })
        {
            await ErrorAsync(http, 404, "invalid_request_error", "model_not_found",
                $"The model '{model}' is not an AI gateway id of this Parley.", ct);
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
        catch (HttpRequestException)
        {
            await ErrorAsync(http, 502, "api_error", "provider_unreachable", "The gateway's model provider could not be reached.", ct);
            return;
        }

        using (response)
        {
            http.Response.StatusCode = (int)response.StatusCode;
            http.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
            if (streaming)
            {
                http.Response.Headers["X-Accel-Buffering"] = "no";
                http.Response.Headers.CacheControl = "no-cache, no-transform";
            }
            await using var upstream = await response.Content.ReadAsStreamAsync(ct);
            try
            {
                await upstream.CopyToAsync(http.Response.Body, ct);
            }
            catch (IOException)
            {
                // The provider dropped the stream mid-reply; ending ours the same way tells the caller it is cut off.
                http.Abort();
            }
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

    static Task ErrorAsync(HttpContext http, int status, string type, string code, string message, CancellationToken ct)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new { error = new { message, type, code, param = (string?)null } }, ct);
    }
}
