using Microsoft.AspNetCore.DataProtection;
using Parley.Admin;
using Parley.Hosting;

namespace Parley.Gateways;

/// <summary>
/// Encrypts a gateway's keys at rest with Data Protection (the key ring lives in the database): the provider key and
/// the web search provider's key and the MCP servers' header values, each under a purpose of its own.
/// </summary>
public sealed class GatewayKeyProtector(IDataProtectionProvider provider)
{
    readonly IDataProtector protector = provider.CreateProtector("Parley.Gateways.ApiKey.v1");
    readonly IDataProtector searchProtector = provider.CreateProtector("Parley.Gateways.SearchKey.v1");
    readonly IDataProtector headerProtector = provider.CreateProtector("Parley.Gateways.McpHeaders.v1");

    /// <summary>MCP servers' header values encrypted for storage (values already stored stay as they are).</summary>
    public IReadOnlyList<Research.McpServerSettings>? ProtectHeaders(IReadOnlyList<Research.McpServerSettings>? servers) =>
        Research.McpServerSecrets.Protect(servers, headerProtector);

    /// <summary>MCP servers' header values in clear, for connecting to them.</summary>
    public IReadOnlyList<Research.McpServerSettings>? UnprotectHeaders(IReadOnlyList<Research.McpServerSettings>? servers) =>
        Research.McpServerSecrets.Unprotect(servers, headerProtector);

    public void SetKey(AiGateway gateway, string? apiKey) =>
        (gateway.ProtectedApiKey, gateway.ApiKeyHint) = Protect(protector, apiKey);

    public string? Unprotect(string? protectedKey) => Unprotect(protector, protectedKey);

    public void SetSearchKey(AiGateway gateway, string? apiKey) =>
        (gateway.ProtectedSearchKey, gateway.SearchKeyHint) = Protect(searchProtector, apiKey);

    public string? SearchKey(AiGateway gateway) => Unprotect(searchProtector, gateway.ProtectedSearchKey);

    static (string? Protected, string? Hint) Protect(IDataProtector protector, string? key)
    {
        if (string.IsNullOrEmpty(key)) return (null, null);
        SecretRedactor.Learn(key);
        return (protector.Protect(key), Secrets.Mask(key));
    }

    static string? Unprotect(IDataProtector protector, string? protectedKey)
    {
        if (protectedKey is null) return null;
        var key = protector.Unprotect(protectedKey);
        SecretRedactor.Learn(key);
        return key;
    }
}
