using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Localization;
using Parley.OperatorConsole.Chats;
using Parley.OperatorConsole.Components;
using Parley.OperatorConsole.Editors;
using Parley.Scaling;

namespace Parley.OperatorConsole;

public static class ConsoleSetup
{
    /// <summary>The operators' console: Blazor with interactive server rendering, its sign-in, and its two languages.</summary>
    public static IServiceCollection AddConsole(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        services.AddConsoleAuthentication();
        // Like the sign-in cookie, the forms' cookie is Secure over HTTPS (its default never is).
        services.Configure<AntiforgeryOptions>(antiforgery => antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.AddSingleton<ConsoleText>();
        services.AddScoped<OperatorAccounts>();
        services.AddChats();
        services.AddEditors();
        return services;
    }

    /// <summary>
    /// The console's language for its pages and its interactive circuit: the operator's choice (a cookie), else the
    /// browser's. Only the console: the API speaks one language, and its numbers are never written the Brazilian way.
    /// And no copy of a console page is kept: after signing out, the back button must not show conversations or accounts.
    /// </summary>
    public static IApplicationBuilder UseConsole(this IApplicationBuilder app) => app.UseWhen(
        context => context.Request.Path.StartsWithSegments("/console") || context.Request.Path.StartsWithSegments("/_blazor"),
        console => console
            .Use((context, next) =>
            {
                if (context.Request.Path.StartsWithSegments("/console")) context.Response.OnStarting(NoStore, context.Response);
                return next(context);
            })
            .UseRequestLocalization(options =>
            {
                string[] cultures = [.. ConsoleText.Languages];
                options.SetDefaultCulture("en").AddSupportedCultures(cultures).AddSupportedUICultures(cultures);
                options.RequestCultureProviders = [new CookieRequestCultureProvider(), new AcceptLanguageHeaderRequestCultureProvider()];
            }));

    static Task NoStore(object state)
    {
        ((HttpResponse)state).Headers.CacheControl = "no-store";
        return Task.CompletedTask;
    }

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapOperatorEndpoints();
        app.MapChats();
        app.MapEditors();
        app.MapGet("/console", () => Results.Redirect("/console/chats")).ExcludeFromDescription();
        app.MapPost("/console/logout", SignOutAsync).ExcludeFromDescription();
        app.MapMethods(ConsoleAuthentication.SessionPath, [HttpMethods.Get, HttpMethods.Post], (Delegate)SessionAsync).ExcludeFromDescription();
        app.MapGet("/console/language/{culture}", ChooseLanguage).ExcludeFromDescription();
        return app;
    }

    /// <summary>A form post from the console's "Sign out" button, checked against forgery like every form of the console.</summary>
    static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(http)) return Results.BadRequest();
        await http.SignOutAsync(ConsoleAuthentication.Scheme);
        return Results.Redirect(ConsoleAuthentication.LoginPath);
    }

    /// <summary>
    /// For open pages (console.js): 204 while the sign-in holds, 401 once it has ended. A POST is use and renews the
    /// cookie; a GET only asks. No antiforgery token: renewing is all it does, and the SameSite=Strict cookie never
    /// comes with another site's request.
    /// </summary>
    static async Task<IResult> SessionAsync(HttpContext http) =>
        (await http.AuthenticateAsync(ConsoleAuthentication.Scheme)).Principal is { } user && OperatorRoles.All.Any(user.IsInRole)
            ? Results.NoContent()
            : Results.Unauthorized();

    static IResult ChooseLanguage(string culture, HttpContext http, string? returnUrl = null)
    {
        if (!ConsoleText.Languages.Contains(culture)) return Results.NotFound();
        http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(CultureInfo.GetCultureInfo(culture))),
            new CookieOptions { Path = "/", HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true, MaxAge = TimeSpan.FromDays(365) });
        return Results.LocalRedirect(LocalConsolePath(returnUrl));
    }

    /// <summary>
    /// A return address inside the console, never somewhere else (an open redirect): a path under /console, without
    /// the backslashes browsers read as slashes or the control characters a Location header cannot carry.
    /// </summary>
    public static string LocalConsolePath(string? returnUrl) =>
        returnUrl is { Length: > 0 and <= 2048 }
        && (returnUrl == "/console" || returnUrl.StartsWith("/console/", StringComparison.Ordinal) || returnUrl.StartsWith("/console?", StringComparison.Ordinal))
        && !returnUrl.Contains('\\', StringComparison.Ordinal) && !returnUrl.Any(char.IsControl)
            ? returnUrl
            : "/console/chats";

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
