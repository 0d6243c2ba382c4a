using Microsoft.AspNetCore.DataProtection;
using Parley.Admin;
using Parley.Hosting;

namespace Parley.Research;

/// <summary>
/// The header values of a gateway's MCP servers are credentials (an Authorization token, an API key): they are kept
/// encrypted with Data Protection inside the gateway's parameters (<c>pk1:{ciphertext}|{hint}</c>, the hint being the
/// masked value), answers show them masked like the provider key, a write that sends a masked value back keeps the
/// stored one, and the log redactor learns every value it meets.
/// </summary>
public static class McpServerSecrets
{
    const string ProtectedPrefix = "pk1:";

    static bool IsProtected(string value) => value.StartsWith(ProtectedPrefix, StringComparison.Ordinal);

    /// <summary>A stored value's ciphertext and hint; null for a value in clear.</summary>
    static (string Ciphertext, string Hint)? Stored(string value) =>
        IsProtected(value) && value.IndexOf('|', StringComparison.Ordinal) is > 0 and var bar ? (value[ProtectedPrefix.Length..bar], value[(bar + 1)..]) : null;

    static string HintOf(string value) => Stored(value)?.Hint ?? Secrets.Mask(value);

    /// <summary>The servers with every header value masked, for answers and the console.</summary>
    public static IReadOnlyList<McpServerSettings>? Masked(IReadOnlyList<McpServerSettings>? servers) =>
        MapValues(servers, HintOf);

    /// <summary>The servers as stored: each header value encrypted, with its hint.</summary>
    public static IReadOnlyList<McpServerSettings>? Protect(IReadOnlyList<McpServerSettings>? servers, IDataProtector protector) =>
        MapValues(servers, value => IsProtected(value) ? value : $"{ProtectedPrefix}{protector.Protect(value)}|{Secrets.Mask(value)}");

    /// <summary>The servers as their connections need them: each header value in clear, learned by the log redactor.</summary>
    public static IReadOnlyList<McpServerSettings>? Unprotect(IReadOnlyList<McpServerSettings>? servers, IDataProtector protector)
    {
        var clear = MapValues(servers, value => Stored(value) is { } stored ? protector.Unprotect(stored.Ciphertext) : value);
        Learn(clear);
        return clear;
    }

    static List<McpServerSettings>? MapValues(IReadOnlyList<McpServerSettings>? servers, Func<string, string> map) =>
        servers?.Select(s => s.Headers is null ? s : s with { Headers = s.Headers.ToDictionary(h => h.Key, h => map(h.Value)) }).ToList();

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
                        && h.Value == HintOf(value) ? value : h.Value),
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
            if (IsProtected(value)) continue;
            SecretRedactor.Learn(value);
            if (value.IndexOf(' ', StringComparison.Ordinal) is var space and > 0) SecretRedactor.Learn(value[(space + 1)..].Trim());
        }
    }
}
