namespace Parley.Research;

/// <summary>What a reply looked up: the tools it called, in order, and the pages it used.</summary>
public sealed record ReplyResearch(IReadOnlyList<ToolUse> Tools, IReadOnlyList<Source> Sources);

/// <summary>
/// One tool call of a reply: the tool, the arguments the model gave it (JSON), how it ended (<c>done</c> or
/// <c>failed</c>, <c>running</c> if the reply was cut off first), the line the user was shown, and the start of its result.
/// </summary>
public sealed record ToolUse(string Name, string Arguments, string Status, string Summary, string? Result);
