using Microsoft.EntityFrameworkCore;
using Parley.Admin;
using Parley.Data;

namespace Parley.Sessions;

public sealed record IssuedSession(Guid SessionId, string AccessKey, DateTime ExpiresAt, bool Renewed);

public sealed class SessionService(AppDb db, TimeProvider clock)
{
    /// <summary>
    /// Makes a session, or with a tag that has an active session, renews that one and hands out a new key for it.
    /// </summary>
    public async Task<IssuedSession> OpenAsync(
        Guid clientId, string? tag, string? extraContext, TimeSpan lifetime, CancellationToken ct, string channel = SessionChannels.Web)
    {
        // Two callers may race to create the first session of a tag. The unique (client, active tag) index lets only
        // one insert win; the loser retries and finds the winner's session. Three rounds cover any interleaving.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await OpenOnceAsync(clientId, tag, extraContext, lifetime, channel, ct);
            }
            catch (DbUpdateException) when (tag is not null && attempt < 3)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    async Task<IssuedSession> OpenOnceAsync(
        Guid clientId, string? tag, string? extraContext, TimeSpan lifetime, string channel, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var accessKey = AccessKeys.Create();
        var holder = tag is null ? null : await db.Sessions.SingleOrDefaultAsync(s => s.ChatClientId == clientId && s.ActiveTag == tag, ct);

        if (holder is not null && holder.ExpiresAt > now)
        {
            holder.ExpiresAt = now + lifetime;
            if (extraContext is not null) holder.ExtraContext = extraContext;
            db.SessionKeys.Add(new SessionKey { Hash = Secrets.Hash(accessKey), SessionId = holder.Id, CreatedAt = now });
            await db.SaveChangesAsync(ct);
            return new IssuedSession(holder.Id, accessKey, holder.ExpiresAt, Renewed: true);
        }

        // An expired holder keeps its tag for the record but gives up the slot to the new session.
        if (holder is not null) holder.ActiveTag = null;

        var session = new Session
        {
            ChatClientId = clientId,
            Tag = tag,
            ActiveTag = tag,
            ExtraContext = extraContext,
            Channel = channel,
            CreatedAt = now,
            LastMessageAt = now,
            ExpiresAt = now + lifetime,
        };
        db.Sessions.Add(session);
        db.SessionKeys.Add(new SessionKey { Hash = Secrets.Hash(accessKey), SessionId = session.Id, CreatedAt = now });
        await db.SaveChangesAsync(ct);
        return new IssuedSession(session.Id, accessKey, session.ExpiresAt, Renewed: false);
    }
}
