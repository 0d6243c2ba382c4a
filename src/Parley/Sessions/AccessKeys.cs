using System.Buffers;
using System.Security.Cryptography;
using Parley.Admin;

namespace Parley.Sessions;

public static class AccessKeys
{
    const string Prefix = "wky_";
    const int RandomLength = 56;

    /// <summary>A new access key: <c>wky_</c> and 56 lowercase letters and digits from a cryptographic source.</summary>
    public static string Create() => Prefix + RandomNumberGenerator.GetString(Secrets.KeyAlphabet, RandomLength);

    /// <summary>Rejects obviously wrong keys before any hashing or database work.</summary>
    public static bool LooksValid(string key) =>
        key.Length == Prefix.Length + RandomLength && key.StartsWith(Prefix, StringComparison.Ordinal)
        && key.AsSpan(Prefix.Length).IndexOfAnyExcept(KeyCharacters) < 0;

    static readonly SearchValues<char> KeyCharacters = SearchValues.Create(Secrets.KeyAlphabet);
}
