using Microsoft.AspNetCore.DataProtection;
using Parley.Admin;

namespace Parley.Gateways;

/// <summary>Encrypts provider keys at rest with Data Protection; the key ring lives in the database.</summary>
public sealed class GatewayKeyProtector(IDataProtectionProvider provider)
{
    readonly IDataProtector protector = provider.CreateProtector("Parley.Gateways.ApiKey.v1");

    public void SetKey(AiGateway gateway, string? apiKey)
    {
        if (string.IsNullOrEmpty(apiKey))
        {
            gateway.ProtectedApiKey = null;
            gateway.ApiKeyHint = null;
            return;
        }
        gateway.ProtectedApiKey = protector.Protect(apiKey);
        gateway.ApiKeyHint = Secrets.Mask(apiKey);
    }

    public string? Unprotect(string? protectedKey) => protectedKey is null ? null : protector.Unprotect(protectedKey);
}
