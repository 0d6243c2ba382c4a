using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace Parley.Testing.Channels;

/// <summary>How the Bot API takes a call's parameters and writes its <c>{ ok, result }</c> or error envelope.</summary>
static class BotApiWire
{
    public static JsonObject Ok(JsonNode result, string? description = null)
    {
        var answer = new JsonObject { ["ok"] = true, ["result"] = result };
        if (description is not null)
            answer["description"] = description;
        return answer;
    }

    public static JsonObject Error(ChannelFault fault) => fault.RetryAfter is { } retryAfter
        ? Error(fault.Status, fault.Message ?? $"Too Many Requests: retry after {Seconds(retryAfter)}", Seconds(retryAfter))
        : Error(fault.Status, fault.Message ?? ReasonPhrases.GetReasonPhrase(fault.Status));

    public static JsonObject Error(int code, string description, int? retryAfter = null)
    {
        var answer = new JsonObject { ["ok"] = false, ["error_code"] = code, ["description"] = description };
        if (retryAfter is { } seconds)
            answer["parameters"] = new JsonObject { ["retry_after"] = seconds };
        return answer;
    }

    public static async Task WriteAsync(HttpResponse response, JsonObject answer)
    {
        response.StatusCode = answer["ok"]!.GetValue<bool>() ? 200 : answer["error_code"]!.GetValue<int>();
        response.ContentType = "application/json";
        await response.WriteAsync(answer.ToJsonString());
    }

    public static (string Token, string Method)? ParsePath(string? path) =>
        path?.Trim('/').Split('/') is [['b', 'o', 't', .. var token], var method] ? (token, method) : null;

    /// <summary>The call's parameters from the query string and a JSON, urlencoded or multipart body, as Telegram accepts.</summary>
    public static async Task<JsonObject> ReadParametersAsync(HttpRequest request, CancellationToken ct)
    {
        var parameters = new JsonObject();
        foreach (var (name, value) in request.Query)
            parameters[name] = FormValue(value.ToString());
        if (request.HasFormContentType)
        {
            foreach (var (name, value) in await request.ReadFormAsync(ct))
                parameters[name] = FormValue(value.ToString());
        }
        else if (request.HasJsonContentType())
        {
            try
            {
                if (await JsonNode.ParseAsync(request.Body, cancellationToken: ct) is JsonObject body)
                    foreach (var (name, value) in body)
                        parameters[name] = value?.DeepClone();
            }
            catch (JsonException)
            {
                // an unreadable body carries no parameters; the method then says which one is missing
            }
        }
        return parameters;
    }

    // Structured parameters (reply_parameters, allowed_updates) arrive JSON-serialized in form and query values.
    static JsonNode? FormValue(string value)
    {
        if (value is ['{', ..] or ['[', ..])
        {
            try
            {
                return JsonNode.Parse(value);
            }
            catch (JsonException)
            {
                // not JSON after all: keep the text
            }
        }
        return JsonValue.Create(value);
    }

    static int Seconds(TimeSpan span) => (int)Math.Ceiling(span.TotalSeconds);
}
