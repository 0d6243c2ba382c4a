using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Parley.Data;
using Parley.Research;
using Parley.Testing;

namespace Parley.Tests.Research;

/// <summary>The tools every <see cref="IResearchTools"/> of a running Parley gives a gateway, as the reply loop gets them.</summary>
static class GatewayTools
{
    public static async Task<IReadOnlyDictionary<string, AIFunction>> ForAsync(TestParley parley, Guid gatewayId, CancellationToken ct)
    {
        await using var scope = parley.Services.CreateAsyncScope();
        var gateway = await scope.ServiceProvider.GetRequiredService<AppDb>().Gateways.AsNoTracking().SingleAsync(g => g.Id == gatewayId, ct);
        var tools = new List<AITool>();
        foreach (var source in scope.ServiceProvider.GetServices<IResearchTools>()) tools.AddRange(await source.ForAsync(gateway, ct));
        return tools.OfType<AIFunction>().ToDictionary(t => t.Name);
    }

    public static async Task<List<SearchHit>> SearchAsync(this IReadOnlyDictionary<string, AIFunction> tools, string query, CancellationToken ct) =>
        Read<List<SearchHit>>(await tools[WebTools.SearchName].InvokeAsync(new AIFunctionArguments { ["query"] = query }, ct));

    public static async Task<PageText> ReadAsync(this IReadOnlyDictionary<string, AIFunction> tools, string url, CancellationToken ct) =>
        Read<PageText>(await tools[WebTools.ReadName].InvokeAsync(new AIFunctionArguments { ["url"] = url }, ct));

    static T Read<T>(object? result) => result switch
    {
        JsonElement json => json.Deserialize<T>(JsonSerializerOptions.Web)!,
        T value => value,
        _ => throw new InvalidOperationException($"The tool returned {result?.GetType().Name ?? "null"}."),
    };
}
