using Parley.Data;

namespace Parley.Conversations;

public static class ConversationSetup
{
    public static IServiceCollection AddConversations(this IServiceCollection services)
    {
        // Registered before the reply registry, so it stops after it: replies cut off at shutdown still get stored.
        services.AddSingleton<WriteBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WriteBatcher>());
        services.AddSingleton<ReplyRegistry>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplyRegistry>());
        services.AddSingleton<ReplyGenerator>();
        services.AddSingleton<TokenCounter>();
        services.AddSingleton<ConversationQueries>();
        services.AddScoped<ConversationLimits>();
        services.AddScoped<ConversationService>();
        return services;
    }
}
