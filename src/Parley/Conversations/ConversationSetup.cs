using Microsoft.Extensions.Options;
using Parley.Data;
using Parley.Hosting;

namespace Parley.Conversations;

public static class ConversationSetup
{
    public static IServiceCollection AddConversations(this IServiceCollection services)
    {
        // Replies are cut off and stored in the registry's StoppingAsync, before any hosted service stops, so the
        // batcher still commits them.
        services.AddSingleton<WriteBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WriteBatcher>());
        services.AddSingleton<ReplyRegistry>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplyRegistry>());
        // The host gives up on stopping after its shutdown timeout (30 s by default), whatever the grace period says:
        // make it the grace period, the time to store what was cut off, and a margin for the server to close.
        services.AddOptions<HostOptions>().Configure<IOptions<ParleyOptions>>((host, parley) => host.ShutdownTimeout =
            TimeSpan.FromSeconds(parley.Value.ShutdownGraceSeconds) + ReplyRegistry.StoreTimeout + TimeSpan.FromSeconds(5));
        services.AddSingleton<ReplyGenerator>();
        services.AddSingleton<Research.ReplyTools>();
        services.AddSingleton<TokenCounter>();
        services.AddSingleton<ConversationQueries>();
        services.AddScoped<ConversationLimits>();
        services.AddScoped<TokenBudgets>();
        services.AddSingleton<ProofOfWork>();
        services.AddScoped<ConversationService>();
        return services;
    }
}
