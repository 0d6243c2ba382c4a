using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Parley.Hosting;

namespace Parley.Research;

/// <summary>
/// An MCP server's tool as the model sees it: the SDK's tool under its name in Parley (description and argument schema
/// as the server gave them), called through the server's current session rather than the one it was listed on, so a
/// call after a server restart opens a new session. What it returns is text; whatever goes wrong is a
/// <see cref="ResearchToolException"/> the model may read.
/// </summary>
public sealed partial class McpToolFunction(McpClientTool tool, string name, McpConnection connection, ILogger logger) : DelegatingAIFunction(tool.WithName(name))
{
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    // A tool may answer with a whole database; past this the model learns that the rest was cut.
    const int LongestResult = 20_000;

    /// <summary>The tool's name on its server (the model sees <see cref="AITool.Name"/>, which may carry the server's name).</summary>
    public string ServerToolName => tool.Name;

    public string ServerName => connection.Server.Name;

    // The result is text, whatever output schema the server declared.
    public override JsonElement? ReturnJsonSchema => null;

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        CallToolResult result;
        try
        {
            result = await connection.CallAsync(tool.Name, arguments, timeout.Token);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var timedOut = timeout.IsCancellationRequested;
            LogCallFailed(logger, ex, ServerToolName, ServerName, timedOut);
            throw new ResearchToolException(timedOut
                ? $"The tool {Name} of {ServerName} did not answer in time."
                : $"The tool {Name} of {ServerName} failed.", ex);
        }

        var text = TextOf(result);
        if (result.IsError is true)
        {
            // The server's own words about the error are meant for the model (MCP reports tool errors in the result so the
            // model can correct its call); known secrets are masked in them all the same.
            LogToolError(logger, ServerToolName, ServerName);
            throw new ResearchToolException(text.Length == 0
                ? $"The tool {Name} of {ServerName} failed."
                : $"The tool {Name} of {ServerName} failed: {SecretRedactor.Redact(Shorten(text, 500))}");
        }
        return Shorten(text, LongestResult);
    }

    /// <summary>The text blocks joined; other blocks named by what they are; the structured result when there is no text.</summary>
    public static string TextOf(CallToolResult result)
    {
        var text = new StringBuilder();
        foreach (var block in result.Content)
        {
            if (text.Length > 0) text.Append('\n');
            text.Append(block switch
            {
                TextContentBlock t => t.Text,
                ImageContentBlock i => $"[image, {i.MimeType}]",
                AudioContentBlock a => $"[audio, {a.MimeType}]",
                ResourceLinkBlock link => $"[resource {link.Name}: {link.Uri}]",
                EmbeddedResourceBlock embedded => embedded.Resource is TextResourceContents r ? r.Text : $"[resource {embedded.Resource.Uri}]",
                _ => $"[{block.Type}]",
            });
        }
        if (text.Length == 0 && result.StructuredContent is { } structured) text.Append(structured.GetRawText());
        return text.ToString();
    }

    static string Shorten(string text, int length) => text.Length <= length ? text : string.Concat(text.AsSpan(0, length), " … (cut)");

    [LoggerMessage(Level = LogLevel.Warning, Message = "The tool {Tool} of the MCP server {Server} could not be called (timed out: {TimedOut})")]
    static partial void LogCallFailed(ILogger logger, Exception error, string tool, string server, bool timedOut);

    [LoggerMessage(Level = LogLevel.Information, Message = "The tool {Tool} of the MCP server {Server} answered with an error")]
    static partial void LogToolError(ILogger logger, string tool, string server);
}
