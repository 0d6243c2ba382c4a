using Microsoft.Extensions.Options;

namespace Parley.Gateways;

public static class ProviderSetup
{
    public static IServiceCollection AddProviderClients(this IServiceCollection services)
    {
        services.AddHttpClient(ModelClients.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<ProviderOptions>>().Value.ConnectTimeoutSeconds),
                AutomaticDecompression = System.Net.DecompressionMethods.All,
            });
        services.AddSingleton<GatewayKeyProtector>();
        services.AddSingleton<ModelClients>();
        services.AddMemoryCache();
        services.AddSingleton<GatewayCache>();
        services.AddScoped<GatewayStore>();
        return services;
    }
}
