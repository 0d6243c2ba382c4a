namespace Parley.Integrations.Telegram;

public static class TelegramSetup
{
    /// <summary>The Telegram adapter, the Bot API's HTTP client, and the poller of the bots that use polling.</summary>
    public static IServiceCollection AddTelegram(this IServiceCollection services)
    {
        // Long polls wait 25 s for an update; a minute is enough for them and still ends a call that hangs.
        services.AddHttpClient(TelegramChannel.HttpClientName, client => client.Timeout = TimeSpan.FromMinutes(1))
            .RedactLoggedHeaders(_ => true);
        services.AddSingleton<TelegramChannel>();
        services.AddSingleton<IChannel>(provider => provider.GetRequiredService<TelegramChannel>());
        services.AddHostedService<TelegramPolling>();
        return services;
    }

    public static IEndpointRouteBuilder MapTelegramWebhook(this IEndpointRouteBuilder app)
    {
        // Telegram's address, not part of the API people program against.
        app.MapPost("/webhooks/telegram/{integrationId:guid}", TelegramWebhook.ReceiveAsync).ExcludeFromDescription();
        return app;
    }
}
