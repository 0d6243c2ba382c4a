using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Attachments;

/// <summary>Settings of attachments, under <c>Attachments</c>.</summary>
public sealed class AttachmentOptions
{
    public const string Section = "Attachments";

    /// <summary>
    /// <c>Folder</c>: files beside the SQLite database (data/blobs). <c>Database</c>: in the database itself, which
    /// instances sharing PostgreSQL need (no shared disk). Empty: the folder on SQLite, the database on PostgreSQL.
    /// </summary>
    public string? Store { get; set; }
}

/// <summary>Bytes kept once, named by their SHA-256: the same image sent twice is stored once.</summary>
public interface IBlobStore
{
    Task PutAsync(string sha256, byte[] data, CancellationToken ct);
    Task<byte[]?> GetAsync(string sha256, CancellationToken ct);
    Task DeleteAsync(string sha256, CancellationToken ct);
}

public static class Blobs
{
    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}

/// <summary>A folder of files, two levels of the hash deep so no folder grows too large.</summary>
public sealed class FolderBlobStore(string root) : IBlobStore
{
    string PathOf(string sha256) => Path.Combine(root, sha256[..2], sha256);

    public async Task PutAsync(string sha256, byte[] data, CancellationToken ct)
    {
        var path = PathOf(sha256);
        if (File.Exists(path)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Written aside then moved: a reader never sees half a file, and two writers of one blob both end well.
        var partial = $"{path}.{Guid.NewGuid():n}.tmp";
        await File.WriteAllBytesAsync(partial, data, ct);
        File.Move(partial, path, overwrite: true);
    }

    public async Task<byte[]?> GetAsync(string sha256, CancellationToken ct)
    {
        var path = PathOf(sha256);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, ct) : null;
    }

    public Task DeleteAsync(string sha256, CancellationToken ct)
    {
        File.Delete(PathOf(sha256));
        return Task.CompletedTask;
    }
}

/// <summary>Blobs as rows of the database Parley already has.</summary>
public sealed class DatabaseBlobStore(IServiceScopeFactory scopes) : IBlobStore
{
    public async Task PutAsync(string sha256, byte[] data, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        if (await db.Blobs.AnyAsync(b => b.Sha256 == sha256, ct)) return;
        db.Blobs.Add(new StoredBlob { Sha256 = sha256, Data = data });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another request may have stored the same bytes a moment before; anything else is a real failure.
            db.ChangeTracker.Clear();
            if (!await db.Blobs.AsNoTracking().AnyAsync(b => b.Sha256 == sha256, ct)) throw;
        }
    }

    public async Task<byte[]?> GetAsync(string sha256, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        return await db.Blobs.AsNoTracking().Where(b => b.Sha256 == sha256).Select(b => b.Data).SingleOrDefaultAsync(ct);
    }

    public async Task DeleteAsync(string sha256, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AppDb>().Blobs.Where(b => b.Sha256 == sha256).ExecuteDeleteAsync(ct);
    }
}
