using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Testing.Upstream;

// Bodies shaped like api.openai.com's, including the explicit nulls the real API sends.
static class OpenAiJson
{
    public const string ModelId = "test-model";

    /// <summary>
    /// Writes one streamed reply's server-sent events straight into the response, the way the API shapes them
    /// (with <c>include_usage</c>, every chunk but the last carries <c>"usage": null</c>). No DOM per chunk: the
    /// benchmarks share the machine with this upstream.
    /// </summary>
    public sealed class ChunkWriter(IBufferWriter<byte> output, string id, long created, string model, bool includeUsage) : IDisposable
    {
        readonly Utf8JsonWriter json = new(output);

        public void Dispose() => json.Dispose();

        public void Role() => Write(delta =>
        {
            delta.WriteString("role", "assistant");
            delta.WriteString("content", "");
            delta.WriteNull("refusal");
        }, finishReason: null);

        public void Delta(string field, string text) => Write(delta => delta.WriteString(field, text), finishReason: null);

        public void Finish(string? finishReason) => Write(_ => { }, finishReason);

        /// <summary>A piece of one tool call: its id, type and name come with the first piece only.</summary>
        public void ToolCall(int index, ScriptedToolCall call, string arguments, bool first) => Write(delta =>
        {
            delta.WriteStartArray("tool_calls");
            delta.WriteStartObject();
            delta.WriteNumber("index", index);
            if (first)
            {
                delta.WriteString("id", call.Id);
                delta.WriteString("type", "function");
            }
            delta.WriteStartObject("function");
            if (first) delta.WriteString("name", call.Name);
            delta.WriteString("arguments", arguments);
            delta.WriteEndObject();
            delta.WriteEndObject();
            delta.WriteEndArray();
        }, finishReason: null);

        public void Usage((int Prompt, int Completion) usage) => Event(() =>
        {
            json.WriteStartArray("choices");
            json.WriteEndArray();
            json.WriteStartObject("usage");
            json.WriteNumber("prompt_tokens", usage.Prompt);
            json.WriteNumber("completion_tokens", usage.Completion);
            json.WriteNumber("total_tokens", usage.Prompt + usage.Completion);
            json.WriteEndObject();
        });

        public void Done() => output.Write("data: [DONE]\n\n"u8);

        void Write(Action<Utf8JsonWriter> delta, string? finishReason) => Event(() =>
        {
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("delta");
            delta(json);
            json.WriteEndObject();
            json.WriteNull("logprobs");
            if (finishReason is null) json.WriteNull("finish_reason");
            else json.WriteString("finish_reason", finishReason);
            json.WriteEndObject();
            json.WriteEndArray();
            if (includeUsage) json.WriteNull("usage");
        });

        /// <summary>One <c>data:</c> event: the chunk's envelope around what <paramref name="body"/> writes.</summary>
        void Event(Action body)
        {
            output.Write("data: "u8);
            json.Reset(output);
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("object", "chat.completion.chunk");
            json.WriteNumber("created", created);
            json.WriteString("model", model);
            json.WriteString("system_fingerprint", "fp_parley_test");
            body();
            json.WriteEndObject();
            json.Flush();
            output.Write("\n\n"u8);
        }
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
