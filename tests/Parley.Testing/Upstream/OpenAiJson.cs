using System.Text.Json.Nodes;

namespace Parley.Testing.Upstream;

// Bodies shaped like api.openai.com's, including the explicit nulls the real API sends.
static class OpenAiJson
{
    public const string ModelId = "test-model";

    public static JsonObject Chunk(string id, long created, string model, JsonObject delta, string? finishReason, bool usageNull)
    {
        var chunk = Envelope(id, "chat.completion.chunk", created, model,
            new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finishReason });
        if (usageNull)
            chunk["usage"] = null; // with include_usage OpenAI puts "usage": null on every chunk but the last
        return chunk;
    }

    public static JsonObject UsageChunk(string id, long created, string model, (int Prompt, int Completion) usage)
    {
        var chunk = Envelope(id, "chat.completion.chunk", created, model, choice: null);
        chunk["usage"] = Usage(usage);
        return chunk;
    }

    public static JsonObject Completion(string id, long created, string model, ScriptedReply reply)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = string.Concat(reply.Tokens), ["refusal"] = null };
        if (reply.ReasoningTokens.Count > 0)
            message["reasoning_content"] = string.Concat(reply.ReasoningTokens);

        var completion = Envelope(id, "chat.completion", created, model,
            new JsonObject { ["index"] = 0, ["message"] = message, ["logprobs"] = null, ["finish_reason"] = reply.FinishReason });
        if (reply.Usage is { } usage)
            completion["usage"] = Usage(usage);
        return completion;
    }

    public static JsonObject Error(int status, string? message) => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = message ?? DefaultMessage(status),
            ["type"] = status switch { 429 => "requests", >= 500 => "server_error", _ => "invalid_request_error" },
            ["param"] = null,
            ["code"] = status switch { 401 => "invalid_api_key", 404 => "model_not_found", 429 => "rate_limit_exceeded", _ => null },
        },
    };

    public static JsonObject Models(long created) => new()
    {
        ["object"] = "list",
        ["data"] = new JsonArray(new JsonObject { ["id"] = ModelId, ["object"] = "model", ["created"] = created, ["owned_by"] = "parley-tests" }),
    };

    static JsonObject Envelope(string id, string type, long created, string model, JsonObject? choice) => new()
    {
        ["id"] = id,
        ["object"] = type,
        ["created"] = created,
        ["model"] = model,
        ["system_fingerprint"] = "fp_parley_test",
        ["choices"] = choice is null ? new JsonArray() : new JsonArray(choice),
    };

    static JsonObject Usage((int Prompt, int Completion) usage) => new()
    {
        ["prompt_tokens"] = usage.Prompt,
        ["completion_tokens"] = usage.Completion,
        ["total_tokens"] = usage.Prompt + usage.Completion,
    };

    static string DefaultMessage(int status) => status switch
    {
        400 => "Invalid request.",
        401 => "Incorrect API key provided.",
        404 => "The model does not exist or you do not have access to it.",
        429 => "Rate limit reached for requests.",
        _ => "The server had an error while processing your request.",
    };
}
