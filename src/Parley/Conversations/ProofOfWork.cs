using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace Parley.Conversations;

/// <summary>A challenge to solve: find a nonce whose SHA-256 of <c>challenge:nonce</c> starts with <c>bits</c> zero bits.</summary>
public sealed record ProofChallenge(string Challenge, int Bits);

/// <summary>A solved challenge, sent with a session's first message.</summary>
public sealed record ProofOfWorkAnswer(
    [property: System.ComponentModel.DataAnnotations.StringLength(1000)] string? Challenge,
    [property: System.ComponentModel.DataAnnotations.StringLength(100)] string? Nonce);

/// <summary>
/// The optional proof of work a chat client may ask of a web session before its first message
/// (<c>clientParameters.proofOfWorkBits</c>): a few seconds of a browser's work, which scripts that open public embeds
/// by the thousand pay for each time, with no outside service. The challenge is Data Protection's time-limited
/// token for the session (so any instance can check it, and nothing is stored); SHA-256 is the .NET one, and only
/// its leading zero bits are counted here.
/// </summary>
public sealed class ProofOfWork(IDataProtectionProvider protection)
{
    public const string Required = "proof_of_work_required";
    static readonly TimeSpan ChallengeLifetime = TimeSpan.FromMinutes(30);

    readonly ITimeLimitedDataProtector protector = protection.CreateProtector("Parley.ProofOfWork.v1").ToTimeLimitedDataProtector();

    public ProofChallenge Challenge(Guid sessionId, int bits)
    {
        var payload = $"{sessionId:n}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        return new ProofChallenge(protector.Protect(payload, ChallengeLifetime), bits);
    }

    /// <summary>Whether <paramref name="answer"/> solves a live challenge of this session at <paramref name="bits"/>.</summary>
    public bool Solves(Guid sessionId, int bits, ProofOfWorkAnswer? answer)
    {
        if (answer is not { Challenge: { Length: > 0 } challenge, Nonce: { Length: > 0 } nonce }) return false;
        try
        {
            if (!protector.Unprotect(challenge).StartsWith($"{sessionId:n}:", StringComparison.Ordinal)) return false;
        }
        catch (CryptographicException)
        {
            return false;
        }
        return LeadingZeroBits(SHA256.HashData(Encoding.UTF8.GetBytes($"{challenge}:{nonce}"))) >= bits;
    }

    public static int LeadingZeroBits(ReadOnlySpan<byte> hash)
    {
        var zeros = 0;
        for (var i = 0; i + 4 <= hash.Length; i += 4)
        {
            var word = BinaryPrimitives.ReadUInt32BigEndian(hash[i..]);
            zeros += BitOperations.LeadingZeroCount(word);
            if (word != 0) break;
        }
        return zeros;
    }
}
