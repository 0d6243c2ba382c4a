using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Parley.Research;

public static class ResearchSetup
{
    /// <summary>
    /// Web search and page reading as tools of a gateway's model. Other tool sources (MCP servers) register their own
    /// <see cref="IResearchTools"/> beside this one.
    /// </summary>
    public static IServiceCollection AddResearch(this IServiceCollection services)
    {
        services.AddOptions<ResearchOptions>().BindConfiguration(ResearchOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        // Neither client logs its requests: the addresses hold what the model searched for and read, which can be
        // the user's words (and privacy mode promises them kept out of the logs).
        services.AddHttpClient(WebSearch.HttpClientName, (sp, client) =>
        {
            client.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<ResearchOptions>>().Value.SearchTimeoutSeconds);
            client.DefaultRequestHeaders.UserAgent.ParseAdd("Parley");
        }).RemoveAllLoggers();

        services.AddHttpClient(PageReader.HttpClientName, client =>
        {
            client.Timeout = Timeout.InfiniteTimeSpan; // the reader's own deadline covers every redirect
            client.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (compatible; Parley)");
        })
        .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
        {
            // Every hop is checked by the reader, and a proxy would resolve (and reach) the address itself.
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.All,
            ConnectCallback = sp.GetRequiredService<PageAddresses>().ConnectAsync,
        })
        .RemoveAllLoggers();

        services.AddSingleton<PageAddresses>();
        services.AddSingleton<PageReader>();
        services.AddSingleton<WebSearch>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IResearchTools, WebTools>());
        return services;
    }
}
