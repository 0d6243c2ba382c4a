using System.Text.Json;
using Parley.Conversations;
using Parley.Sessions;
using StackExchange.Redis;

namespace Parley.Scaling;

/// <summary>
/// Instances sharing state: a session's private texts and files are one Redis hash (a field per message, two per
/// file: its name and its bytes) that expires with the session, so any instance can carry the conversation on and
/// nothing outlives it.
/// </summary>
public sealed class RedisPrivateContent(IConnectionMultiplexer redis, TimeProvider clock) : IPrivateContent
{
    // Redis counts time by its own clock: a session expiring within this is kept this long, not a moment.
    static readonly TimeSpan ShortestKeep = TimeSpan.FromMinutes(1);

    static RedisKey Key(Guid sessionId) => $"parley:session:{sessionId:n}:private";

    static RedisValue NameField(Guid attachmentId) => $"file:{attachmentId:n}:name";
    static RedisValue DataField(Guid attachmentId) => $"file:{attachmentId:n}:data";

    public Task KeepAsync(Guid sessionId, DateTime keepUntil, IReadOnlyList<PrivateText> texts) =>
        KeepAsync(sessionId, keepUntil, [.. texts.Select(t => new HashEntry(t.MessageId.ToString("n"), JsonSerializer.Serialize(t, JsonSerializerOptions.Web)))]);

    public Task KeepFilesAsync(Guid sessionId, DateTime keepUntil, IReadOnlyList<PrivateFile> files) =>
        KeepAsync(sessionId, keepUntil, [.. files.SelectMany(f => new[] { new HashEntry(NameField(f.AttachmentId), f.Name), new HashEntry(DataField(f.AttachmentId), f.Data) })]);

    async Task KeepAsync(Guid sessionId, DateTime keepUntil, HashEntry[] entries)
    {
        var key = Key(sessionId);
        var keep = keepUntil - clock.GetUtcNow().UtcDateTime;
        var batch = redis.GetDatabase().CreateBatch();
        var written = batch.HashSetAsync(key, entries);
        // A new hash gets its end (NX); after that it only moves later (GT), so a reply's last save, coming after a renewal
        // that moved the end, does not bring it back.
        keep = keep > ShortestKeep ? keep : ShortestKeep;
        var ended = batch.KeyExpireAsync(key, keep, ExpireWhen.HasNoExpiry);
        var moved = batch.KeyExpireAsync(key, keep, ExpireWhen.GreaterThanCurrentExpiry);
        batch.Execute();
        await Task.WhenAll(written, ended, moved);
    }

    public async Task FillAsync(Guid sessionId, IReadOnlyList<Message> messages)
    {
        var wanted = messages.Where(m => m.Private).ToList();
        if (wanted.Count == 0) return;
        var values = await redis.GetDatabase().HashGetAsync(Key(sessionId), [.. wanted.Select(m => (RedisValue)m.Id.ToString("n"))]);
        var texts = values.Where(v => v.HasValue).Select(v => JsonSerializer.Deserialize<PrivateText>((string)v!, JsonSerializerOptions.Web)!)
            .ToDictionary(t => t.MessageId);
        MemoryPrivateContent.Fill(wanted, texts.GetValueOrDefault);
    }

    public async Task<IReadOnlyDictionary<Guid, PrivateFile>> FilesAsync(Guid sessionId, IReadOnlyCollection<Guid> attachmentIds, bool withData)
    {
        var ids = attachmentIds.ToList();
        var fields = ids.Select(NameField).Concat(withData ? ids.Select(DataField) : []).ToArray();
        var values = fields.Length == 0 ? [] : await redis.GetDatabase().HashGetAsync(Key(sessionId), fields);
        var found = new Dictionary<Guid, PrivateFile>();
        for (var i = 0; i < ids.Count; i++)
        {
            if (!values[i].HasValue) continue;
            found[ids[i]] = new PrivateFile(ids[i], values[i]!, withData && values[ids.Count + i].HasValue ? (byte[])values[ids.Count + i]! : null);
        }
        return found;
    }

    public Task ForgetAsync(Guid sessionId) => redis.GetDatabase().KeyDeleteAsync(Key(sessionId));
}
