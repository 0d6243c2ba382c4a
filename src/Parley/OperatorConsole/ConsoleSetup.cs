using Parley.Scaling;

namespace Parley.OperatorConsole;

public static class ConsoleSetup
{
    public static IServiceCollection AddConsoleEvents(this IServiceCollection services, IConfiguration configuration)
    {
        var signalR = services.AddSignalR();
        var redis = RedisOptions.From(configuration);
        if (redis.Enabled)
        {
            signalR.AddStackExchangeRedis(redis.Configuration!, options =>
            {
                options.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal("parley");
                options.Configuration.AbortOnConnectFail = false;
            });
        }
        services.AddSingleton<SessionEvents>();
        return services;
    }

    public static IEndpointRouteBuilder MapConsoleEvents(this IEndpointRouteBuilder app)
    {
        app.MapHub<SessionEventsHub>(SessionEventsHub.Path);
        return app;
    }
}
