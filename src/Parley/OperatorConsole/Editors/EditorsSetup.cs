namespace Parley.OperatorConsole.Editors;

public static class EditorsSetup
{
    /// <summary>The console's editors of AI gateways and chat clients.</summary>
    public static IServiceCollection AddEditors(this IServiceCollection services)
    {
        services.AddScoped<GatewayEditor>();
        services.AddScoped<IntegrationEditor>();
        services.AddScoped<ChatClientEditor>();
        services.AddSingleton<TalkPreviews>();
        return services;
    }

    public static IEndpointRouteBuilder MapEditors(this IEndpointRouteBuilder app) => TalkPreviews.MapTalkPreviews(app);
}
