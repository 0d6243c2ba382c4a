using Parley.Data;

namespace Parley.Insight;

/// <summary>
/// What the console's sessions, logs, feedback and usage pages read. A Blazor circuit lives as long as its page, so
/// each call runs in a DI scope of its own (its own DbContext), as the Chats workspace does.
/// </summary>
public sealed partial class InsightReader(IServiceScopeFactory scopes, TimeProvider clock)
{
    public DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<UsageReport> UsageAsync(UsageRange range, UsageGrouping grouping, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await UsageQueries.ReportAsync(Db(scope), range, grouping, ct);
    }

    public async Task<IReadOnlyList<TopSession>> TopSessionsAsync(UsageRange range, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await UsageQueries.TopSessionsAsync(Db(scope), range, ct);
    }

    static AppDb Db(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<AppDb>();
}
