namespace Parley.Integrations.Telegram;

public static class TelegramSetup
{
    /// <summary>The Telegram adapter and the Bot API's HTTP client.</summary>
    public static IServiceCollection AddTelegram(this IServiceCollection services)
    {
        services.AddHttpClient(TelegramChannel.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(30))
            .RedactLoggedHeaders(_ => true);
        services.AddSingleton<TelegramChannel>();
        services.AddSingleton<IChannel>(provider => provider.GetRequiredService<TelegramChannel>());
        return services;
    }

    public static IEndpointRouteBuilder MapTelegramWebhook(this IEndpointRouteBuilder app)
    {
        // Telegram's address, not part of the API people program against.
        app.MapPost("/webhooks/telegram/{integrationId:guid}", TelegramWebhook.ReceiveAsync).ExcludeFromDescription();
        return app;
    }
}
