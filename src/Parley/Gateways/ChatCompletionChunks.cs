using System.Buffers;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Parley.Conversations;

namespace Parley.Gateways;

/// <summary>
/// A plain reply (text in, text out: no tools, no images) read straight from an OpenAI-compatible provider's event
/// stream. The request goes through the same SDK pipeline as every other call (key, retries before the first token,
/// the event-stream and [DONE] checks, the same errors), but each chunk is read with one <see cref="Utf8JsonReader"/>
/// pass over the event's bytes instead of the SDK's and Microsoft.Extensions.AI's object graphs: a streamed token is
/// most of a reply's cost, and those graphs were most of a token's (see docs/benchmarks.md, Capacity).
/// Replies with tools or files take the SDK's path (<see cref="ReplyParts"/>), which reads the same wire.
/// </summary>
public static class ChatCompletionChunks
{
    static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Whether the reply is one this reader serves: no tools to offer and nothing but text in the prompt.</summary>
    public static bool Serves(IEnumerable<Microsoft.Extensions.AI.ChatMessage> prompt, ChatOptions options) =>
        options.Tools is not { Count: > 0 } && options.ResponseFormat is null
        && prompt.All(message => message.Contents.All(content => content is TextContent));

    /// <summary>
    /// The reply's parts as <see cref="ReplyParts.ReadAsync"/> gives them: a reply is whole once the provider gave its
    /// finish reason or ended its stream with [DONE]; a stream cut off between the two lost nothing of the reply.
    /// </summary>
    public static async IAsyncEnumerable<ReplyPart> ReadAsync(
        OpenAI.Chat.ChatClient provider, IEnumerable<Microsoft.Extensions.AI.ChatMessage> prompt, ChatOptions options,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var body = Body(prompt, options);
        var result = await provider.CompleteChatAsync(BinaryContent.Create(new BinaryData(body.WrittenMemory)), new RequestOptions { BufferResponse = false, CancellationToken = ct });
        using var response = result.GetRawResponse();
        await using var events = SseParser.Create(response.ContentStream!, static (_, data) => Chunk.Read(data)).EnumerateAsync(ct).GetAsyncEnumerator(ct);
        var finished = false;
        while (true)
        {
            try
            {
                if (!await events.MoveNextAsync()) yield break;
            }
            catch (ProviderStreamCutOffException) when (finished)
            {
                yield break;
            }
            var chunk = events.Current.Data;
            if (chunk.IsDone) yield break;
            finished |= chunk.FinishReason is not null;
            if (chunk.Text is not null || chunk.Reasoning is not null || chunk.Usage is not null || chunk.FinishReason is not null)
                yield return new ReplyPart(chunk.Text, chunk.Reasoning, chunk.Usage, chunk.FinishReason);
        }
    }

    /// <summary>The request as the SDK would send it for the same prompt and options.</summary>
    static ArrayBufferWriter<byte> Body(IEnumerable<Microsoft.Extensions.AI.ChatMessage> prompt, ChatOptions options)
    {
        var body = new ArrayBufferWriter<byte>(1024);
        using var json = new Utf8JsonWriter(body, WriterOptions);
        json.WriteStartObject();
        json.WriteStartArray("messages");
        foreach (var message in prompt)
        {
            json.WriteStartObject();
            json.WriteString("role", message.Role.Value);
            if (message.Contents is [TextContent single])
            {
                json.WriteString("content", single.Text);
            }
            else
            {
                json.WriteStartArray("content");
                foreach (var part in message.Contents.Cast<TextContent>())
                {
                    json.WriteStartObject();
                    json.WriteString("type", "text");
                    json.WriteString("text", part.Text);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteString("model", options.ModelId);
        if (options.FrequencyPenalty is { } frequency) json.WriteNumber("frequency_penalty", frequency);
        if (options.MaxOutputTokens is { } max) json.WriteNumber("max_completion_tokens", max);
        if (options.PresencePenalty is { } presence) json.WriteNumber("presence_penalty", presence);
        if (options.StopSequences is { Count: > 0 } stop)
        {
            json.WriteStartArray("stop");
            foreach (var sequence in stop) json.WriteStringValue(sequence);
            json.WriteEndArray();
        }
        json.WriteBoolean("stream", true);
        json.WriteStartObject("stream_options");
        json.WriteBoolean("include_usage", true);
        json.WriteEndObject();
        if (options.Temperature is { } temperature) json.WriteNumber("temperature", temperature);
        if (options.TopP is { } topP) json.WriteNumber("top_p", topP);
        if (options.Reasoning?.Effort is { } effort) json.WriteString("reasoning_effort", effort.ToString().ToLowerInvariant());
        json.WriteEndObject();
        json.Flush();
        return body;
    }

    /// <summary>What one event of the stream carries for Parley: the first choice's text and reasoning, its finish reason, and usage.</summary>
    readonly record struct Chunk(string? Text, string? Reasoning, string? FinishReason, UsageDetails? Usage, bool IsDone)
    {
        static readonly Chunk Done = new(null, null, null, null, true);

        /// <summary>
        /// One pass over the chunk's JSON. Fields outside these are skipped; reasoning comes as <c>reasoning_content</c>
        /// (DeepSeek, vLLM) or <c>reasoning</c> (Ollama, OpenRouter), outside OpenAI's schema.
        /// </summary>
        public static Chunk Read(ReadOnlySpan<byte> data)
        {
            if (data.SequenceEqual("[DONE]"u8)) return Done;
            var reader = new Utf8JsonReader(data);
            string? text = null, reasoning = null, otherReasoning = null, finishReason = null;
            UsageDetails? usage = null;
            Expect(ref reader, JsonTokenType.StartObject);
            while (NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); continue; }
                    var first = true;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        // Parley asks for one choice; another (n > 1 upstream) is not part of this reply.
                        if (!first || reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); continue; }
                        first = false;
                        while (NextProperty(ref reader))
                        {
                            if (reader.ValueTextEquals("delta"u8))
                            {
                                reader.Read();
                                if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); continue; }
                                while (NextProperty(ref reader))
                                {
                                    if (reader.ValueTextEquals("content"u8)) text = NonEmptyString(ref reader);
                                    else if (reader.ValueTextEquals("reasoning_content"u8)) reasoning = NonEmptyString(ref reader);
                                    else if (reader.ValueTextEquals("reasoning"u8)) otherReasoning = NonEmptyString(ref reader);
                                    else { reader.Read(); reader.Skip(); }
                                }
                            }
                            else if (reader.ValueTextEquals("finish_reason"u8))
                            {
                                finishReason = KnownFinishReason(NonEmptyString(ref reader));
                            }
                            else
                            {
                                reader.Read();
                                reader.Skip();
                            }
                        }
                    }
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    usage = ReadUsage(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            return new Chunk(text, reasoning ?? otherReasoning, finishReason, usage, false);
        }

        static UsageDetails? ReadUsage(ref Utf8JsonReader reader)
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); return null; }
            var usage = new UsageDetails();
            while (NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("prompt_tokens"u8)) usage.InputTokenCount = Number(ref reader);
                else if (reader.ValueTextEquals("completion_tokens"u8)) usage.OutputTokenCount = Number(ref reader);
                else if (reader.ValueTextEquals("total_tokens"u8)) usage.TotalTokenCount = Number(ref reader);
                else { reader.Read(); reader.Skip(); }
            }
            return usage;
        }

        // The names Microsoft.Extensions.AI gives OpenAI's finish reasons; a provider's own reason passes as it is.
        static string? KnownFinishReason(string? value) => value switch
        {
            null => null,
            "stop" => ChatFinishReason.Stop.Value,
            "length" => ChatFinishReason.Length.Value,
            "content_filter" => ChatFinishReason.ContentFilter.Value,
            "tool_calls" or "function_call" => ChatFinishReason.ToolCalls.Value,
            _ => value,
        };

        /// <summary>Moves to the object's next property name; false at its end.</summary>
        static bool NextProperty(ref Utf8JsonReader reader)
        {
            reader.Read();
            return reader.TokenType == JsonTokenType.PropertyName;
        }

        static string? NonEmptyString(ref Utf8JsonReader reader)
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.String) { reader.Skip(); return null; }
            return reader.ValueSpan.IsEmpty ? null : reader.GetString();
        }

        static long? Number(ref Utf8JsonReader reader)
        {
            reader.Read();
            return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : null;
        }

        static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
        {
            if (!reader.Read() || reader.TokenType != type) throw new JsonException($"A chunk of the provider's stream is not a JSON object: {type} expected.");
        }
    }
}
