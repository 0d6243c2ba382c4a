using Microsoft.AspNetCore.Authentication;
using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.ResponseCompression;
using Parley.Attachments;
using Parley.Admin;
using Parley.Api;
using Parley.ChatClients;
using Parley.OperatorConsole;
using Parley.Conversations;
using Parley.Data;
using Parley.Gateways;
using Parley.Insight;
using Parley.Integrations;
using Parley.Research;
using Parley.Scaling;
using Parley.Sessions;
using Parley.TalkPage;
using Parley.Voice;
using Microsoft.Extensions.FileProviders;
using Scalar.AspNetCore;

namespace Parley.Hosting;

/// <summary>Parley's table of contents: every feature adds its services and maps its endpoints here.</summary>
public static class ParleyServer
{
    const string DefaultScheme = "Parley";

    /// <param name="args">Command-line arguments; they override every other configuration source.</param>
    /// <param name="replaceServices">Runs after Parley's registrations, so a host (or a test) can swap a service such as the clock.</param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? replaceServices = null)
    {
        // Watching appsettings for changes watches the whole working folder, the SQLite database and its journal
        // included, so every commit woke a watcher thread. Parley reads its settings at start; an argument can still
        // turn the watching back on.
        var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]).AddParleyLogging();
        builder.Environment.WebRootFileProvider = new ManifestEmbeddedFileProvider(typeof(ParleyServer).Assembly, "wwwroot");
        var parley = builder.Configuration.GetSection(ParleyOptions.Section).Get<ParleyOptions>() ?? new ParleyOptions();

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = parley.MaxRequestBodyBytes);
        builder.Services.AddOptions<ParleyOptions>().BindConfiguration(ParleyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration($"{ParleyOptions.Section}:RateLimits").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<ProviderOptions>().BindConfiguration(ProviderOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.ConfigureHttpJsonOptions(json => ApiJson.Configure(json.SerializerOptions));

        builder.Services.AddParleyProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestHandler>();
        builder.Services.AddExceptionHandler<SharedStateUnavailableHandler>();
        builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
        // Client mistakes surface as BadHttpRequestException so BadRequestHandler can explain them.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddValidation();
        builder.Services.AddParleyApiDocs();
        builder.Services.AddResponseCompression(options =>
        {
            // Only Parley's own pages and scripts: compressing responses that carry secrets next to
            // attacker-chosen text (BREACH) is avoided by leaving API responses alone.
            options.EnableForHttps = true;
            options.MimeTypes = ["text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml"];
        });
        // The default "fastest" level leaves a third of the bytes on the wire; page assets are cached for a year,
        // so each client pays the better compression once.
        builder.Services.Configure<BrotliCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Optimal);
        builder.Services.Configure<GzipCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Optimal);
        builder.Services.AddParleyDatabase(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddAttachments(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddSingleton(KeyRingProtection.Configure(
            builder.Services.AddDataProtection().SetApplicationName("Parley").PersistKeysToDbContext<AppDb>(), builder.Configuration));
        builder.Services.AddParleyTelemetry(builder.Configuration);

        builder.Services.AddSingleton<AdminKeyStore>();
        builder.Services.AddSingleton<FailedAuthentications>();
        builder.Services.AddParleyRateLimits();
        if (parley.TrustedProxies is { Length: > 0 } proxies)
            builder.Services.Configure<ForwardedHeadersOptions>(forwarded => TrustProxies(forwarded, proxies));
        // API calls carry the admin key as a bearer token (or, for the hub, as access_token); everything else is the
        // console, signed in with its cookie. Each policy names its scheme, so the cookie never opens the API.
        builder.Services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, null, policy => policy.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count > 0 || context.Request.Query.ContainsKey("access_token")
                    ? AdminKeyAuthentication.SchemeName
                    : ConsoleAuthentication.Scheme)
            .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthentication>(AdminKeyAuthentication.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminKeyAuthentication.Policy, policy => policy.AddAuthenticationSchemes(AdminKeyAuthentication.SchemeName).RequireRole("admin"));
        builder.Services.AddConsole();

        builder.Services.AddProviderClients();
        builder.Services.AddScoped<RequestValidator>();
        builder.Services.AddSingleton<PublicUrls>();
        builder.Services.AddSingleton<PageAssets>();
        builder.Services.AddSingleton<ChatClientCache>();
        builder.Services.AddScoped<ChatClientStore>();
        builder.Services.AddScoped<SessionService>();
        builder.Services.AddHostedService<RetentionJob>();
        builder.Services.AddSharedMode(builder.Configuration);
        builder.Services.AddConversations();
        builder.Services.AddIntegrations();
        builder.Services.AddConsoleEvents(builder.Configuration);
        builder.Services.AddInsight();
        builder.Services.AddVoice();
        builder.Services.AddResearch();
        builder.Services.AddMcpTools();

        replaceServices?.Invoke(builder.Services);
        var app = builder.Build();

        // Only when proxies are named (ASP.NET Core's ASPNETCORE_FORWARDEDHEADERS_ENABLED switch adds its own, trusting any).
        if (parley.TrustedProxies.Length > 0) app.UseForwardedHeaders();
        app.UseSecurityHeaders();
        // Browsers that reached Parley over HTTPS keep to it (never for localhost, and not in Development).
        if (!app.Environment.IsDevelopment()) app.UseHsts();
        app.UseResponseCompression();
        app.UseNoStoreForApi();
        app.UseStaticFiles(new StaticFileOptions { OnPrepareResponse = PageAssets.SetCaching });
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // A caller's malformed request is not a server fault worth an error log.
            SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException,
        });
        app.UseStatusCodePages();
        app.UseConsole();
        app.UseParleyRateLimits();
        app.UseSessionCors();
        app.UseAttachmentUploads();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapOpenApi();
        app.MapScalarApiReference("/docs", docs => docs.WithTitle("Parley API"));
        app.MapGatewayEndpoints();
        app.MapCompletionsRelay();
        app.MapModelList();
        app.MapChatClientEndpoints();
        app.MapSessionEndpoints();
        app.MapChatEndpoints();
        app.MapVoiceEndpoints();
        app.MapTalkPage();
        app.MapIntegrations();
        app.MapConsoleEvents();
        app.MapInsight();
        app.MapBackup();
        app.MapConsole();
        // Liveness: the process answers. Readiness: its database (and Redis, in shared mode) answer too.
        app.MapHealthChecks("/healthz", new() { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new() { Predicate = check => check.Tags.Contains("ready") });
        return app;
    }

    /// <summary>Believes X-Forwarded-For and -Proto from loopback and the named proxies only.</summary>
    static void TrustProxies(ForwardedHeadersOptions forwarded, IEnumerable<string> proxies)
    {
        forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        foreach (var proxy in proxies.Select(p => p.Trim()).Where(p => p.Length > 0))
        {
            if (proxy.Contains('/') && System.Net.IPNetwork.TryParse(proxy, out var network)) forwarded.KnownIPNetworks.Add(network);
            else if (IPAddress.TryParse(proxy, out var address)) forwarded.KnownProxies.Add(address);
            else throw new InvalidOperationException(
                $"Parley:TrustedProxies holds \"{proxy}\", which is neither an IP address nor a network such as 10.0.0.0/8.");
        }
    }
}
