using Parley.Admin;
using Parley.Conversations;
using StackExchange.Redis;

namespace Parley.Scaling;

/// <summary>Every instance counts into one Redis key per chat client, address hash and day, gone a day after.</summary>
public sealed class RedisAddressTokens(IConnectionMultiplexer redis) : IAddressTokens
{
    static readonly TimeSpan KeepFor = TimeSpan.FromDays(2);

    static RedisKey Key(Guid clientId, string address, DateTime day) => $"parley:budget:{clientId:n}:{day:yyyyMMdd}:{Secrets.Hash(address)}";

    public async Task<long> SpentAsync(Guid clientId, string address, DateTime day) =>
        (long?)await redis.GetDatabase().StringGetAsync(Key(clientId, address, day)) ?? 0;

    public async Task AddAsync(Guid clientId, string address, DateTime day, long tokens)
    {
        var key = Key(clientId, address, day);
        var batch = redis.GetDatabase().CreateBatch();
        var added = batch.StringIncrementAsync(key, tokens);
        var expiry = batch.KeyExpireAsync(key, KeepFor, ExpireWhen.HasNoExpiry);
        batch.Execute();
        await Task.WhenAll(added, expiry);
    }
}
