using Microsoft.AspNetCore.DataProtection;
using Parley.Admin;
using Parley.Hosting;

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
        SecretRedactor.Learn(apiKey);
        gateway.ProtectedApiKey = protector.Protect(apiKey);
        gateway.ApiKeyHint = Secrets.Mask(apiKey);
    }

    public string? Unprotect(string? protectedKey)
    {
        if (protectedKey is null) return null;
        var key = protector.Unprotect(protectedKey);
        SecretRedactor.Learn(key);
        return key;
    }
}
