using Parley.Integrations.Telegram;
using Parley.Integrations.WhatsApp;

namespace Parley.Integrations;

public static class IntegrationSetup
{
    /// <summary>The inbox, the worker that answers it, and the adapters of each chat app.</summary>
    public static IServiceCollection AddIntegrations(this IServiceCollection services)
    {
        services.AddSingleton<ChannelInbox>();
        services.AddSingleton<ChannelIntegrations>();
        services.AddScoped<IntegrationStore>();
        services.AddScoped<ChannelConversation>();
        services.AddScoped<ContinuationCodes>();
        services.AddHostedService<ChannelWorker>();
        services.AddHostedService<OperatorAnswers>();
        services.AddTelegram();
        services.AddZapi();
        return services;
    }

    public static IEndpointRouteBuilder MapIntegrations(this IEndpointRouteBuilder app)
    {
        app.MapIntegrationEndpoints();
        app.MapTelegramWebhook();
        app.MapZapiWebhook();
        return app;
    }
}
