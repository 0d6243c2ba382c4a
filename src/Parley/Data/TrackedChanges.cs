using Microsoft.EntityFrameworkCore;

namespace Parley.Data;

/// <summary>
/// Changes to stored rows without reading them first, so they join a batch's one SaveChanges instead of being
/// statements of their own.
/// </summary>
public static class TrackedChanges
{
    /// <summary>
    /// Sets <paramref name="columns"/> of the row with <paramref name="key"/>. They are marked changed even when the
    /// new value equals the stand-in's, so what is written is exactly what <paramref name="set"/> says.
    /// </summary>
    public static void SetColumns<TEntity, TKey>(this DbSet<TEntity> rows, TKey key, Func<TEntity> standIn, Action<TEntity> set, params string[] columns)
        where TEntity : class
    {
        var entry = rows.Local.FindEntry(key) ?? rows.Attach(standIn());
        set(entry.Entity);
        foreach (var column in columns) entry.Property(column).IsModified = true;
    }

    public static void Delete<TEntity, TKey>(this DbSet<TEntity> rows, TKey key, Func<TEntity> standIn) where TEntity : class
    {
        if (rows.Local.FindEntry(key) is { } tracked) tracked.State = EntityState.Deleted;
        else rows.Remove(standIn());
    }
}
