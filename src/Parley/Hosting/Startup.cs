using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Parley.Admin;
using Parley.ChatClients;
using Parley.Data;
using Parley.Gateways;
using Parley.Sessions;

namespace Parley.Hosting;

/// <summary>What start-up prepares: the schema, an admin key, and on a first run with a provider in the environment, a ready conversation.</summary>
public static class Startup
{
    public static async Task PrepareAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<AppDb>();
        var clock = services.GetRequiredService<TimeProvider>();
        var config = app.Configuration;
        var ct = app.Lifetime.ApplicationStopping;

        // Before the migration, so an operator whose database cannot be reached sees which one was tried.
        var report = StartupReport.Read(app, db);
        report.Log(services.GetRequiredService<ILogger<StartupReport>>());
        await DatabaseSetup.MigrateAsync(db, ct);
        var configuredKey = config["PARLEY_ADMIN_KEY"] is { Length: > 0 } fromEnv ? fromEnv : config["Parley:AdminKey"];
        var newAdminKey = await services.GetRequiredService<AdminKeyStore>().EnsureAsync(db, configuredKey, clock, ct);
        var firstConversation = await CreateFirstConversationAsync(services, db, config, ct);

        if (config.GetValue("Parley:ShowWelcome", true))
            app.Lifetime.ApplicationStarted.Register(() => PrintWelcome(app, report, newAdminKey, configuredKey is { Length: > 0 }, firstConversation));
    }

    /// <summary>
    /// With OPENAI_API_KEY (or OPENAI_BASE_URL for keyless local servers) set and no gateway yet, sets up a gateway,
    /// a chat client and a session, so a new user goes from clone to conversation with one command.
    /// </summary>
    static async Task<string?> CreateFirstConversationAsync(IServiceProvider services, AppDb db, IConfiguration config, CancellationToken ct)
    {
        var apiKey = config["OPENAI_API_KEY"];
        var baseUrl = config["OPENAI_BASE_URL"];
        if (string.IsNullOrWhiteSpace(apiKey) && string.IsNullOrWhiteSpace(baseUrl)) return null;
        if (await db.Gateways.AnyAsync(ct)) return null;

        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var gateway = new AiGateway
        {
            Name = "Default gateway",
            Parameters = new GatewayParameters
            {
                BaseAddress = string.IsNullOrWhiteSpace(baseUrl) ? "https://api.openai.com/v1" : baseUrl.Trim(),
                ModelName = config["OPENAI_MODEL"] is { Length: > 0 } model ? model : "gpt-4o-mini",
                SystemInstruction = "You are a helpful assistant.",
            },
            CreatedAt = now,
            UpdatedAt = now,
        };
        services.GetRequiredService<GatewayKeyProtector>().SetKey(gateway, apiKey);
        var client = new ChatClient
        {
            Name = "Default chat",
            AiGatewayId = gateway.Id,
            ClientParameters = new ClientParameters { PageTitle = "Parley", HelloLabel = "Hello!", HelloSubLabel = "Ask me anything." },
            LimitingParameters = new LimitingParameters(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Gateways.Add(gateway);
        db.ChatClients.Add(client);
        await db.SaveChangesAsync(ct);
        var session = await services.GetRequiredService<SessionService>()
            .OpenAsync(client.Id, "first-run", null, TimeSpan.FromDays(30), ct);
        return session.AccessKey;
    }

    // Written to the console, not the log: the first admin key must be shown once and never reach log storage.
    static void PrintWelcome(WebApplication app, StartupReport report, string? newAdminKey, bool keyConfigured, string? firstAccessKey)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? "http://localhost:5000";
        var baseUrl = app.Configuration["Parley:PublicUrl"] is { Length: > 0 } configured
            ? configured.TrimEnd('/')
            : address.Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
                .Replace("://[::]", "://localhost", StringComparison.Ordinal)
                .Replace("://+", "://localhost", StringComparison.Ordinal);

        var lines = new List<string>
        {
            "",
            $"  Parley is running at {baseUrl}",
            $"  Console:              {baseUrl}/console (sign in with the admin key, then add operator accounts)",
            $"  API reference:        {baseUrl}/docs",
        };
        if (newAdminKey is not null)
        {
            lines.Add($"  Admin key (shown once, store it now): {newAdminKey}");
            lines.Add("  Use it as:           Authorization: Bearer <admin key>");
        }
        else
        {
            lines.Add(keyConfigured
                ? "  Admin key:            the one in PARLEY_ADMIN_KEY (send it as Authorization: Bearer <key>)"
                : "  Admin key:            the one shown on the first run (set PARLEY_ADMIN_KEY to choose one)");
        }
        if (firstAccessKey is not null) lines.Add($"  Talk to your assistant: {baseUrl}/chat/{firstAccessKey}");
        lines.Add($"  Configuration files:  {(report.ConfigurationFiles is [] ? "none" : report.ConfigurationFiles[0])}");
        lines.AddRange(report.ConfigurationFiles.Skip(1).Select(file => $"                        {file}"));
        lines.Add($"                        then {StartupReport.Overrides}");
        lines.Add($"  Database:             {report.Database}");
        lines.Add($"  Secrets at rest:      {report.KeyRing}");
        lines.Add("");
        Console.WriteLine(string.Join(Environment.NewLine, lines));
    }
}
