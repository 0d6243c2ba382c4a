using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Parley.Conversations;
using Parley.Data;
using StackExchange.Redis;

namespace Parley.Scaling;

/// <summary>Settings for running several Parley instances behind one load balancer.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. "redis:6379". Set: shared mode. Empty: one instance.</summary>
    public string? Configuration { get; set; }

    /// <summary>How long a session's reply lock outlives an instance that died while holding it.</summary>
    [Range(2, 600)] public int SessionLockSeconds { get; set; } = 30;

    public bool Enabled => !string.IsNullOrWhiteSpace(Configuration);

    /// <summary>The settings as configured, for wiring services up before the container is built.</summary>
    public static RedisOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<RedisOptions>() ?? new RedisOptions();
}

public static class SharedMode
{
    /// <summary>
    /// One instance keeps reply locks, reply events, privacy mode's texts and the token counts per client address in memory. With Redis configured, they
    /// go through Redis so every instance sees them; all other state is already shared through the database.
    /// </summary>
    public static IServiceCollection AddSharedMode(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SessionActivitySubscribers>();
        var health = services.AddHealthChecks().AddDbContextCheck<AppDb>("database", tags: ["ready"]);

        var redis = RedisOptions.From(configuration);
        if (!redis.Enabled)
        {
            services.AddSingleton<IReplyLocks, LocalReplyLocks>();
            services.AddSingleton<IReplyFeed, LocalReplyFeed>();
            services.AddSingleton<ISessionActivityBus, LocalSessionActivityBus>();
            services.AddSingleton<IPrivateContent, MemoryPrivateContent>();
            services.AddSingleton<IAddressTokens, MemoryAddressTokens>();
            return services;
        }

        // AbortOnConnectFail=false: Parley starts, and keeps running, while Redis restarts; the multiplexer reconnects.
        var options = ConfigurationOptions.Parse(redis.Configuration!);
        options.AbortOnConnectFail = false;
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        services.AddSingleton<IReplyLocks, RedisReplyLocks>();
        services.AddSingleton<IReplyFeed, RedisReplyFeed>();
        services.AddSingleton<ISessionActivityBus, RedisSessionActivityBus>();
        services.AddSingleton<IPrivateContent, RedisPrivateContent>();
        services.AddSingleton<IAddressTokens, RedisAddressTokens>();
        health.AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        return services;
    }
}

public sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:0.0} ms");
        }
        catch (RedisException ex)
        {
            return HealthCheckResult.Unhealthy("Redis does not answer.", ex);
        }
    }
}
