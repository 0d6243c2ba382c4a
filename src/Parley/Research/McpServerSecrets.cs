using Parley.Admin;
using Parley.Hosting;

namespace Parley.Research;

/// <summary>
/// The header values of a gateway's MCP servers are credentials (an Authorization token, an API key): answers show
/// them masked like the provider key, a write that sends a masked value back keeps the stored one, and the log
/// redactor learns every value it meets.
/// </summary>
public static class McpServerSecrets
{
    /// <summary>The servers with every header value masked, for answers and the console.</summary>
    public static IReadOnlyList<McpServerSettings>? Masked(IReadOnlyList<McpServerSettings>? servers) =>
        servers?.Select(s => s.Headers is null ? s : s with { Headers = s.Headers.ToDictionary(h => h.Key, h => Secrets.Mask(h.Value)) }).ToList();

    /// <summary>
    /// The servers as a write sent them, except that a header whose value is the mask of the value stored for the same
    /// server (by name) and header is kept as stored: a client that read the gateway and sends it back unchanged must not
    /// replace a token with its mask.
    /// </summary>
    public static IReadOnlyList<McpServerSettings>? KeepStored(IReadOnlyList<McpServerSettings>? sent, IReadOnlyList<McpServerSettings>? stored)
    {
        if (sent is null) return null;
        var kept = sent.Select(server =>
        {
            if (server.Headers is null) return server;
            var before = stored?.FirstOrDefault(s => string.Equals(s.Name, server.Name, StringComparison.OrdinalIgnoreCase))?.Headers;
            return server with
            {
                Headers = server.Headers.ToDictionary(h => h.Key, h =>
                    before?.FirstOrDefault(b => string.Equals(b.Key, h.Key, StringComparison.OrdinalIgnoreCase)).Value is { } value
                        && h.Value == Secrets.Mask(value) ? value : h.Value),
            };
        }).ToList();
        Learn(kept);
        return kept;
    }

    /// <summary>
    /// Teaches the log redactor every header value; an Authorization value also without its scheme ("Bearer …"), the
    /// form a token takes when it is logged or echoed on its own.
    /// </summary>
    public static void Learn(IEnumerable<McpServerSettings>? servers)
    {
        foreach (var value in servers?.SelectMany(s => s.Headers?.Values ?? []) ?? [])
        {
            SecretRedactor.Learn(value);
            if (value.IndexOf(' ', StringComparison.Ordinal) is var space and > 0) SecretRedactor.Learn(value[(space + 1)..].Trim());
        }
    }
}
