using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Parley.Admin;

/// <summary>
/// How the Data Protection key ring (the keys that encrypt provider keys and chat-app tokens, stored in the database
/// beside them) is itself protected at rest: with a certificate, with a key from the environment, or not at all.
/// </summary>
public sealed record KeyRingProtection(bool IsProtected, string Description)
{
    public const string KeyVariable = "PARLEY_DATA_KEY";
    public const string PreviousKeyVariable = "PARLEY_DATA_KEY_PREVIOUS";

    /// <summary>Sets the key ring's protection from configuration, and says in plain words which one is in use.</summary>
    public static KeyRingProtection Configure(IDataProtectionBuilder builder, IConfiguration config)
    {
        if (config["Parley:DataProtection:CertificatePath"] is { Length: > 0 } certificatePath)
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(certificatePath, config["Parley:DataProtection:CertificatePassword"]);
            // Reading needs the certificate too: on Linux it is not looked up in a certificate store.
            builder.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
            return new(true, $"protected with the certificate {certificate.Subject} (thumbprint {certificate.Thumbprint})");
        }
        if ((config[KeyVariable] ?? config["Parley:DataProtection:Key"]) is { Length: > 0 } key)
        {
            var current = DataKey.Parse(key, KeyVariable);
            var previous = (config[PreviousKeyVariable] ?? config["Parley:DataProtection:PreviousKey"]) is { Length: > 0 } older
                ? DataKey.Parse(older, PreviousKeyVariable)
                : null;
            builder.Services.AddSingleton(new DataKeys(current, previous));
            builder.Services.Configure<KeyManagementOptions>(options => options.XmlEncryptor = new DataKeyEncryptor(current));
            return new(true, $"protected with the key in {KeyVariable} (key id {current.Id})"
                + (previous is null ? "" : $", keys written with the previous one (key id {previous.Id}) still readable"));
        }
        return new(false, $"NOT protected: anyone with a copy of the database can decrypt the provider keys in it. Set {KeyVariable} (see docs/security.md)");
    }
}

/// <summary>A key-encryption key: 32 random bytes, given in base64. Its id (from its hash) names it in the key ring.</summary>
public sealed class DataKey
{
    DataKey(byte[] bytes)
    {
        Bytes = bytes;
        Id = Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 4));
    }

    public byte[] Bytes { get; }
    public string Id { get; }

    public static DataKey Parse(string base64, string name)
    {
        var bytes = new byte[48];
        if (!Convert.TryFromBase64String(base64.Trim(), bytes, out var length) || length != 32)
            throw new InvalidOperationException($"{name} must be 32 random bytes in base64; make one with: openssl rand -base64 32");
        return new DataKey(bytes[..32]);
    }
}

/// <summary>The current key-encryption key, and the previous one while keys written with it are still in the ring.</summary>
public sealed record DataKeys(DataKey Current, DataKey? Previous);

// AES-256-GCM from the platform (System.Security.Cryptography): Data Protection ships encryptors only for certificates,
// DPAPI and Windows; this wraps each key ring entry with a key the operator keeps outside the database.
sealed class DataKeyEncryptor(DataKey key) : IXmlEncryptor
{
    internal static readonly byte[] Purpose = Encoding.UTF8.GetBytes("Parley.DataProtection.KeyRing.v1");

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var sealedBytes = new byte[AesGcm.NonceByteSizes.MaxSize + AesGcm.TagByteSizes.MaxSize + plaintext.Length];
        var nonce = sealedBytes.AsSpan(0, AesGcm.NonceByteSizes.MaxSize);
        var tag = sealedBytes.AsSpan(nonce.Length, AesGcm.TagByteSizes.MaxSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(key.Bytes, AesGcm.TagByteSizes.MaxSize))
            aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(nonce.Length + tag.Length), tag, Purpose);
        var element = new XElement("parleyEncryptedKey",
            new XComment($" Encrypted with {KeyRingProtection.KeyVariable} (AES-256-GCM). "),
            new XElement("keyId", key.Id),
            new XElement("value", Convert.ToBase64String(sealedBytes)));
        return new EncryptedXmlInfo(element, typeof(DataKeyDecryptor));
    }
}

/// <summary>Reads what <see cref="DataKeyEncryptor"/> wrote, with the current key or the previous one.</summary>
sealed class DataKeyDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var keys = services.GetService<DataKeys>()
            ?? throw new CryptographicException($"The key ring was encrypted with {KeyRingProtection.KeyVariable}, which is not set.");
        var id = encryptedElement.Element("keyId")?.Value;
        var key = new[] { keys.Current, keys.Previous }.FirstOrDefault(k => k?.Id == id)
            ?? throw new CryptographicException(
                $"This key ring entry was encrypted with the {KeyRingProtection.KeyVariable} whose key id is {id}; the one set has key id {keys.Current.Id}.");
        var sealedBytes = Convert.FromBase64String(encryptedElement.Element("value")?.Value ?? "");
        var nonce = sealedBytes.AsSpan(0, AesGcm.NonceByteSizes.MaxSize);
        var tag = sealedBytes.AsSpan(nonce.Length, AesGcm.TagByteSizes.MaxSize);
        var plaintext = new byte[sealedBytes.Length - nonce.Length - tag.Length];
        using (var aes = new AesGcm(key.Bytes, AesGcm.TagByteSizes.MaxSize))
            aes.Decrypt(nonce, sealedBytes.AsSpan(nonce.Length + tag.Length), tag, plaintext, DataKeyEncryptor.Purpose);
        return XElement.Parse(Encoding.UTF8.GetString(plaintext));
    }
}
