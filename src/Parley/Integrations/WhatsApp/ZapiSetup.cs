namespace Parley.Integrations.WhatsApp;

public static class ZapiSetup
{
    /// <summary>The WhatsApp adapter; its webhook is mapped by <see cref="ZapiWebhook.MapZapiWebhook"/>.</summary>
    public static IServiceCollection AddZapi(this IServiceCollection services)
    {
        // The Client-Token header is a credential: HttpClient's logging prints every header value as "*" (pinned here,
        // not left to the framework's default), SecretRedactor hides it in the structured state of those lines, and the
        // instance id and token in their paths.
        services.AddHttpClient(ZapiChannel.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(30))
            .RedactLoggedHeaders(_ => true);
        services.AddMemoryCache();
        services.AddSingleton<ZapiChannel>();
        services.AddSingleton<IChannel>(sp => sp.GetRequiredService<ZapiChannel>());
        return services;
    }
}
