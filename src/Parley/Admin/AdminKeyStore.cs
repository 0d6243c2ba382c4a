using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Admin;

/// <summary>
/// The hashes of the admin keys, held in memory so authenticating a request costs no database round trip.
/// </summary>
public sealed class AdminKeyStore
{
    FrozenSet<string> hashes = FrozenSet<string>.Empty;

    public bool IsValid(string key) => key.Length is > 0 and < 512 && hashes.Contains(Secrets.Hash(key));

    /// <summary>Whether a key, known by its hash (a console session remembers only that), is still accepted.</summary>
    public bool IsValidHash(string hash) => hashes.Contains(hash);

    /// <summary>
    /// Makes sure an admin key exists. A configured key is added; with none configured and none stored, a new key
    /// is made and returned so it can be shown once.
    /// </summary>
    public async Task<string?> EnsureAsync(AppDb db, string? configuredKey, TimeProvider clock, CancellationToken ct)
    {
        string? created = null;
        if (!string.IsNullOrWhiteSpace(configuredKey))
        {
            var hash = Secrets.Hash(configuredKey.Trim());
            if (!await db.AdminKeys.AnyAsync(k => k.Hash == hash, ct))
            {
                db.AdminKeys.Add(new AdminKey { Hash = hash, Label = "configured", CreatedAt = clock.GetUtcNow().UtcDateTime });
                await db.SaveChangesAsync(ct);
            }
        }
        else if (!await db.AdminKeys.AnyAsync(ct))
        {
            created = "pak_" + RandomNumberGenerator.GetString(Secrets.KeyAlphabet, 48);
            db.AdminKeys.Add(new AdminKey { Hash = Secrets.Hash(created), Label = "first run", CreatedAt = clock.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync(ct);
        }

        // A configured key is the only key accepted while it is set, so rotating it in configuration revokes the old one.
        hashes = string.IsNullOrWhiteSpace(configuredKey)
            ? (await db.AdminKeys.Select(k => k.Hash).ToListAsync(ct)).ToFrozenSet()
            : new[] { Secrets.Hash(configuredKey.Trim()) }.ToFrozenSet();
        return created;
    }
}
