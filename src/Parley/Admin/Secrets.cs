using System.Security.Cryptography;
using System.Text;

namespace Parley.Admin;

public static class Secrets
{
    public const string KeyAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>
    /// SHA-256 of a key, as lowercase hex. The keys are long random strings, so a fast hash is enough: there is no
    /// password to brute-force.
    /// </summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Enough of a secret to recognise it, never enough to use it.</summary>
    public static string Mask(string secret) =>
        secret.Length <= 8 ? "****" : $"{secret[..Math.Min(3, secret.Length / 4)]}…{secret[^4..]}";
}
