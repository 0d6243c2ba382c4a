using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Parley.Testing;

namespace Parley.BrowserTests.Embed;

/// <summary>
/// A stand-in for a customer's website: its own origin, its own aggressive CSS, and a backend route that
/// creates Parley sessions with the admin key, the way a real site keeps that key off the browser.
/// </summary>
public sealed class HostSite : IAsyncDisposable
{
    readonly WebApplication app;
    readonly HttpClient parleyAdmin;
    readonly ConcurrentDictionary<string, string> pages = new();

    /// <summary>The clientId of every call to POST /api/parley-session, in order.</summary>
    public ConcurrentQueue<string?> SessionRequests { get; } = new();

    HostSite(TestParley parley)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        app = builder.Build();

        parleyAdmin = new HttpClient { BaseAddress = parley.BaseAddress };
        parleyAdmin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestParley.AdminKey);

        app.MapGet("/{name}", (string name) => pages.TryGetValue(name, out var html)
            ? Results.Content(html, "text/html; charset=utf-8")
            : Results.NotFound());
        app.MapPost("/api/parley-session", CreateSessionAsync);
    }

    public static async Task<HostSite> StartAsync(TestParley parley)
    {
        var site = new HostSite(parley);
        await site.app.StartAsync();
        return site;
    }

    public Uri BaseAddress => new(app.Urls.First());

    async Task<IResult> CreateSessionAsync(JsonElement body, CancellationToken ct)
    {
        var clientId = body.TryGetProperty("clientId", out var id) ? id.GetString() : null;
        SessionRequests.Enqueue(clientId);
        // Parley's answer goes back unchanged, envelope and all: embed.js reads data.talkUrl from it.
        using var created = await parleyAdmin.PostAsJsonAsync($"/api/v1/web-chat-client/{clientId}/sessions", new { }, ct);
        return Results.Content(await created.Content.ReadAsStringAsync(ct), "application/json", statusCode: (int)created.StatusCode);
    }

    /// <summary>Publishes a page of the site whose body holds the given markup (typically the embed tag); returns its address.</summary>
    public string AddPage(string name, string bodyMarkup)
    {
        pages[name] = $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Host site</title><link rel="icon" href="data:,">
            <style>
              /* A site's global CSS at its most careless: none of it may reach the chat, and the chat none of it. */
              html, body { margin: 0; font: 24px/3 "Comic Sans MS", serif; color: purple; letter-spacing: 3px; text-transform: uppercase; }
              button { background: red !important; width: 10px; height: 10px; padding: 0; border: 2px solid black; }
              iframe { display: none; }
              div { border: 5px solid lime; padding: 7px; }
              svg { width: 500px !important; fill: orange; }
              * { box-sizing: content-box; transition: all 3s; }
              body > * { position: relative; transform: translateZ(0); }
            </style></head>
            <body>
            <div class="content"><h1>Welcome to the host site</h1><p>Some text.</p><button id="own">Own button</button></div>
            {{bodyMarkup}}
            </body></html>
            """;
        return new Uri(BaseAddress, name).ToString();
    }

    public async ValueTask DisposeAsync()
    {
        parleyAdmin.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
