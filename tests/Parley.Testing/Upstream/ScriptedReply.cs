namespace Parley.Testing.Upstream;

/// <summary>What <see cref="TestUpstream"/> answers to one chat completion request.</summary>
public sealed record ScriptedReply
{
    public IReadOnlyList<string> Tokens { get; init; } = ["Hello", " there"];
    public IReadOnlyList<string> ReasoningTokens { get; init; } = [];

    // Streaming: calls of the model's tools, sent after the tokens as delta.tool_calls (each call's arguments in two
    // chunks, as providers split them), ending with finish_reason "tool_calls" unless FinishReason says otherwise.
    public IReadOnlyList<ScriptedToolCall> ToolCalls { get; init; } = [];

    // null = the reply carries no usage at all (no usage field, no usage chunk).
    public (int Prompt, int Completion)? Usage { get; init; } = (10, 2);
    // null = the finish chunk says "finish_reason": null, as some OpenAI-compatible servers do.
    public string? FinishReason { get; init; } = "stop";

    // The first token follows the role chunk at once; TokenDelay separates one token chunk from the next.
    public TimeSpan FirstTokenDelay { get; init; }
    public TimeSpan TokenDelay { get; init; }

    // An HTTP error status (>= 400) answers with an OpenAI-style error body instead of a reply.
    public int? StatusCode { get; init; }
    public string? ErrorMessage { get; init; }
    public TimeSpan? RetryAfter { get; init; }

    // Streaming: abort the connection once this many content chunks were flushed.
    // Non-streaming: abort the connection instead of answering.
    public int? DropAfterTokens { get; init; }

    // Streaming: end the response normally once this many content chunks were flushed, with no finish chunk and no
    // [DONE], the way a proxy that closes a close-delimited stream halfway leaves it.
    public int? EndAfterTokens { get; init; }

    // Streaming: once this many content chunks were flushed, wait for Release before sending the rest, so a test
    // can look at a reply halfway without racing a clock.
    public int? HoldAfterTokens { get; init; }
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Streaming: end the response normally after the finish chunk (and usage), without [DONE].
    public bool OmitDone { get; init; }

    // Answers 200 with exactly this body and Content-Type instead of a reply: a proxy's HTML error page, an empty
    // body, JSON of another shape, an event stream with a malformed chunk.
    public string? RawBody { get; init; }
    public string? RawContentType { get; init; }

    public static ScriptedReply Text(params string[] tokens) => new() { Tokens = tokens };

    /// <summary>The model asks for tools and says nothing else; the next scripted reply answers from their results.</summary>
    public static ScriptedReply CallTools(params ScriptedToolCall[] calls) => new() { Tokens = [], ToolCalls = calls, FinishReason = "tool_calls" };

    public static ScriptedReply Error(int status, string? message = null) =>
        new() { StatusCode = status, ErrorMessage = message };

    public static ScriptedReply Raw(string? contentType, string body) => new() { RawContentType = contentType, RawBody = body };
}

/// <summary>One tool call of a scripted reply: the tool's name and its arguments as JSON.</summary>
public sealed record ScriptedToolCall(string Name, string ArgumentsJson)
{
    public string Id { get; init; } = $"call_{Guid.NewGuid():n}"[..29];
}
