using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Parley.Admin;
using Parley.Data;

namespace Parley.Conversations;

/// <summary>One daily token budget of a chat client as it stands: <c>session</c>, <c>tag</c> or <c>address</c>.</summary>
public sealed record BudgetStanding(string Budget, long Limit, long Used)
{
    public long Left => Math.Max(0, Limit - Used);
}

/// <summary>
/// The chat client's daily token budgets (per session, per tag, per client address), counted from midnight UTC. A
/// session's and a tag's tokens are added up from the stored replies, so they hold across restarts and instances;
/// an address is counted in <see cref="IAddressTokens"/>, because Parley stores no client addresses. A reply that
/// starts within a budget may end past it: the next message is refused.
/// </summary>
public sealed class TokenBudgets(AppDb db, IAddressTokens addresses, TimeProvider clock)
{
    public DateTime Today => clock.GetUtcNow().UtcDateTime.Date;

    public async Task<IReadOnlyList<BudgetStanding>> StandingAsync(SessionContext context, string? address, CancellationToken ct)
    {
        var limits = context.Client.LimitingParameters;
        var since = Today;
        var standing = new List<BudgetStanding>();
        if (limits.DailyTokensPerSession is { } perSession)
            standing.Add(new("session", perSession, await SpentAsync(db.Messages.Where(m => m.SessionId == context.Session.Id && m.CreatedAt >= since), ct)));
        if (limits.DailyTokensPerTag is { } perTag && context.Session.Tag is { } tag)
        {
            var tagged = db.Sessions.Where(s => s.ChatClientId == context.Client.Id && s.Tag == tag).Select(s => s.Id);
            standing.Add(new("tag", perTag, await SpentAsync(db.Messages.Where(m => tagged.Contains(m.SessionId) && m.CreatedAt >= since), ct)));
        }
        if (limits.DailyTokensPerAddress is { } perAddress && address is not null)
            standing.Add(new("address", perAddress, await addresses.SpentAsync(context.Client.Id, address, since)));
        return standing;
    }

    /// <summary>The first budget spent, refused with when it renews; null while every budget has tokens left.</summary>
    public async Task<ConversationRefusal?> CheckAsync(SessionContext context, string? address, CancellationToken ct)
    {
        if (!context.Client.LimitingParameters.HasBudgets) return null;
        if ((await StandingAsync(context, address, ct)).FirstOrDefault(b => b.Left == 0) is not { } spent) return null;
        var renewsAt = Today.AddDays(1);
        var whose = spent.Budget == "session" ? "This conversation" : "You";
        return new ConversationRefusal(ConversationRefusal.TokenBudgetSpent,
            $"{whose} used the {spent.Limit} tokens allowed for today. You can write again at {renewsAt:HH:mm} UTC.",
            new Dictionary<string, object?> { ["budget"] = spent.Budget, ["limit"] = (int)spent.Limit, ["resetsAt"] = renewsAt });
    }

    static Task<long> SpentAsync(IQueryable<Sessions.Message> replies, CancellationToken ct) =>
        replies.SumAsync(m => (long)m.InputTokens + m.OutputTokens, ct);
}

/// <summary>
/// Tokens used per chat client, client address and UTC day: in memory on one instance, in Redis when instances share
/// state. Addresses are kept only as hashes, and only for the day and the next.
/// </summary>
public interface IAddressTokens
{
    Task<long> SpentAsync(Guid clientId, string address, DateTime day);
    Task AddAsync(Guid clientId, string address, DateTime day, long tokens);
}

public sealed class MemoryAddressTokens : IAddressTokens
{
    readonly ConcurrentDictionary<(Guid Client, DateTime Day, string Address), long> spent = new();
    DateTime newestDay;

    public Task<long> SpentAsync(Guid clientId, string address, DateTime day) =>
        Task.FromResult(spent.GetValueOrDefault((clientId, day, Secrets.Hash(address))));

    public Task AddAsync(Guid clientId, string address, DateTime day, long tokens)
    {
        spent.AddOrUpdate((clientId, day, Secrets.Hash(address)), tokens, (_, used) => used + tokens);
        if (day <= newestDay) return Task.CompletedTask;
        // A new day: the counts of the days before are no longer asked for.
        newestDay = day;
        foreach (var key in spent.Keys)
            if (key.Day < day) spent.TryRemove(key, out _);
        return Task.CompletedTask;
    }
}
