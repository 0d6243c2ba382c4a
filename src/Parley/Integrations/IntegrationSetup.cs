using Parley.Integrations.Telegram;

namespace Parley.Integrations;

public static class IntegrationSetup
{
    /// <summary>The inbox, the worker that answers it, and the adapters of each chat app.</summary>
    public static IServiceCollection AddIntegrations(this IServiceCollection services)
    {
        services.AddSingleton<ChannelInbox>();
        services.AddSingleton<ChannelIntegrations>();
        services.AddScoped<ChannelConversation>();
        services.AddScoped<ContinuationCodes>();
        services.AddHostedService<ChannelWorker>();
        services.AddTelegram();
        return services;
    }

    public static IEndpointRouteBuilder MapIntegrations(this IEndpointRouteBuilder app)
    {
        app.MapIntegrationEndpoints();
        app.MapTelegramWebhook();
        return app;
    }
}
