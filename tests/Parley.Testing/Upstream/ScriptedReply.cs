namespace Parley.Testing.Upstream;

/// <summary>What <see cref="TestUpstream"/> answers to one chat completion request.</summary>
public sealed record ScriptedReply
{
    public IReadOnlyList<string> Tokens { get; init; } = ["Hello", " there"];
    public IReadOnlyList<string> ReasoningTokens { get; init; } = [];

    // null = the reply carries no usage at all (no usage field, no usage chunk).
    public (int Prompt, int Completion)? Usage { get; init; } = (10, 2);
    public string FinishReason { get; init; } = "stop";

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

    public static ScriptedReply Text(params string[] tokens) => new() { Tokens = tokens };

    public static ScriptedReply Error(int status, string? message = null) =>
        new() { StatusCode = status, ErrorMessage = message };
}
