namespace Parley.Conversations;

public static class ConversationSetup
{
    public static IServiceCollection AddConversations(this IServiceCollection services)
    {
        services.AddSingleton<ReplyRegistry>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplyRegistry>());
        services.AddSingleton<ReplyGenerator>();
        services.AddSingleton<TokenCounter>();
        services.AddScoped<ConversationService>();
        return services;
    }
}
