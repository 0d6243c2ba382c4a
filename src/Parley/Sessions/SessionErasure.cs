using Microsoft.EntityFrameworkCore;
using Parley.Attachments;
using Parley.Conversations;
using Parley.Data;

namespace Parley.Sessions;

/// <summary>
/// Deleting sessions with all that is in them: the rows (messages and attachments go with their session), privacy
/// mode's texts, and the blobs that no other session's message still uses.
/// </summary>
public sealed class SessionErasure(AppDb db, IPrivateContent privateContent, IBlobStore blobs)
{
    /// <summary>Deletes the sessions; how many there were.</summary>
    public async Task<int> DeleteAsync(IQueryable<Session> sessions, CancellationToken ct)
    {
        var ids = await sessions.Select(s => s.Id).ToListAsync(ct);
        if (ids.Count == 0) return 0;
        foreach (var id in ids) await privateContent.ForgetAsync(id);
        var used = await db.Attachments.Where(a => ids.Contains(a.SessionId)).Select(a => a.Sha256).Distinct().ToListAsync(ct);
        var deleted = await db.Sessions.Where(s => ids.Contains(s.Id)).ExecuteDeleteAsync(ct);
        await DeleteUnusedBlobsAsync(used, ct);
        return deleted;
    }

    /// <summary>A cleared conversation keeps its messages' rows (they count for the hourly limit), not their files.</summary>
    public async Task ClearedAsync(Guid sessionId, CancellationToken ct)
    {
        await privateContent.ForgetAsync(sessionId);
        var cleared = db.Attachments.Where(a => a.SessionId == sessionId);
        var used = await cleared.Select(a => a.Sha256).Distinct().ToListAsync(ct);
        if (used.Count == 0) return;
        await cleared.ExecuteDeleteAsync(ct);
        await DeleteUnusedBlobsAsync(used, ct);
    }

    async Task DeleteUnusedBlobsAsync(List<string> candidates, CancellationToken ct)
    {
        // Private files (no hash) live in the private store, forgotten above.
        candidates.RemoveAll(sha256 => sha256.Length == 0);
        if (candidates.Count == 0) return;
        var stillUsed = await db.Attachments.Where(a => candidates.Contains(a.Sha256)).Select(a => a.Sha256).Distinct().ToListAsync(ct);
        foreach (var sha256 in candidates.Except(stillUsed)) await blobs.DeleteAsync(sha256, ct);
    }
}
