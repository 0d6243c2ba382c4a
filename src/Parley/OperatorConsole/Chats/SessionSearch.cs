using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Sessions;

namespace Parley.OperatorConsole.Chats;

/// <summary>
/// The Chats workspace's search: sessions whose tag or assistant's name contains the text, or with a message holding
/// every word of it (each word as the start of a word, so "refun" finds "refund"). Message text goes through each
/// database's full-text index, so the search stays fast with hundreds of thousands of sessions.
/// </summary>
public static class SessionSearch
{
    /// <summary>
    /// No stemming and no stop words: messages come in several languages, and an operator looks for the words they saw.
    /// </summary>
    public const string TextSearchConfig = "simple";

    const int MaxWords = 8;

    /// <summary>
    /// Sessions matching <paramref name="text"/>; <paramref name="clientIds"/> are the chat clients whose name matched,
    /// found in memory (there are few of them).
    /// </summary>
    public static IQueryable<Session> Matching(AppDb db, string text, IReadOnlyCollection<Guid> clientIds)
    {
        var lowered = text.Trim().ToLowerInvariant();
        // EF Core turns ToLower() and Contains into SQL (lower, LIKE or strpos); these rules are about .NET's own strings.
#pragma warning disable CA1304, CA1311, CA1862
        if (Words(text) is not { Count: > 0 } words)
            return db.Sessions.Where(s => (s.Tag != null && s.Tag.ToLower().Contains(lowered)) || clientIds.Contains(s.ChatClientId));

        var withText = SessionsWithText(db, words);
        return db.Sessions.Where(s =>
            (s.Tag != null && s.Tag.ToLower().Contains(lowered)) || clientIds.Contains(s.ChatClientId) || withText.Contains(s.Id));
#pragma warning restore CA1304, CA1311, CA1862
    }

    /// <summary>The letters and digits of the search text, word by word: nothing else reaches a full-text query.</summary>
    public static IReadOnlyList<string> Words(string text)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length && words.Count < MaxWords; i++)
        {
            var inWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inWord && start < 0) start = i;
            else if (!inWord && start >= 0)
            {
                words.Add(text[start..i].ToLowerInvariant());
                start = -1;
            }
        }
        return words;
    }

    /// <summary>Sessions with a message (not cleared) that holds every word.</summary>
    static IQueryable<Guid> SessionsWithText(AppDb db, IReadOnlyList<string> words)
    {
        if (db.Database.IsNpgsql())
        {
            var query = string.Join(" & ", words.Select(w => w + ":*"));
            return db.Messages
                .Where(m => m.ClearedAt == null
                    && EF.Functions.ToTsVector(TextSearchConfig, m.Content).Matches(EF.Functions.ToTsQuery(TextSearchConfig, query)))
                .Select(m => m.SessionId);
        }
        // FTS5: each word quoted (a word is only letters and digits) and followed by * for a prefix match.
        var match = string.Join(' ', words.Select(w => $"\"{w}\"*"));
        return db.Database.SqlQuery<Guid>($"""
            SELECT m."SessionId" AS "Value"
            FROM "MessageSearch"
            JOIN "MessageSearchRows" AS r ON r."RowId" = "MessageSearch".rowid
            JOIN "Messages" AS m ON m."Id" = r."MessageId"
            WHERE "MessageSearch" MATCH {match} AND m."ClearedAt" IS NULL
            """);
    }
}
