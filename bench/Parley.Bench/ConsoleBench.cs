using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Bench;

/// <summary>
/// The console's pages as a signed-in operator gets them in headless Chromium: the time from navigation until the page
/// is usable, and the bytes it transfers (HTTP and the circuit's WebSocket), on a first visit and on a repeat visit.
/// "Usable" depends on the page: an interactive page (one with Blazor server components) is usable once its circuit
/// has rendered it, which its <c>LiveSession</c> marks with <c>[data-console-live]</c>; a page rendered on the server
/// alone is usable at its load event.
/// </summary>
public static class ConsoleBench
{
    const int Loads = 20;
    const int Accounts = 25;
    // More than the list's first page (50), each with a question and its answer.
    const int Sessions = 60;

    // Set before any script of the page runs: the moment the live mark appears, on the page's own clock.
    const string WatchLiveMark = """
        new MutationObserver((_, observer) => {
          if (document.querySelector('[data-console-live]')) { window.parleyLive = performance.now(); observer.disconnect(); }
        }).observe(document, { childList: true, subtree: true });
        """;

    public static async Task<object> RunAsync()
    {
        await using var parley = await TestParley.StartForBenchmarkAsync(DatabaseKind.Sqlite, "--Logging:LogLevel:Default=Error");
        for (var i = 0; i < Accounts; i++) await parley.CreateOperatorAsync($"operator{i:00}", "correct horse battery", i % 5 == 0 ? "admin" : "agent", $"Operator {i:00}");
        var client = await parley.CreateChatClientAsync();
        for (var i = 0; i < Sessions; i++)
        {
            var session = await parley.CreateSessionAsync(client, new { tag = $"user-{i:00}" });
            await parley.SendAsync(session.AccessKey, $"Question {i}: where is my order? It was placed last week and has not arrived yet.");
        }
        using var console = parley.Console();
        await console.SignInWithAdminKeyAsync();
        var cookie = console.SignInCookie!;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });

        var results = new Dictionary<string, object>();
        foreach (var page in new[] { "/console/chats", "/console/operators" })
        {
            var url = new Uri(parley.BaseAddress, page).ToString();
            var cold = new List<Load>();
            for (var i = 0; i < Loads; i++)
            {
                await using var context = await SignedInContextAsync(browser, parley.BaseAddress, cookie.Value);
                cold.Add(await LoadAsync(context, url));
            }
            var warm = new List<Load>();
            await using (var context = await SignedInContextAsync(browser, parley.BaseAddress, cookie.Value))
            {
                await LoadAsync(context, url);
                for (var i = 0; i < Loads; i++) warm.Add(await LoadAsync(context, url));
            }

            var interactive = cold[0].Interactive;
            Console.WriteLine($"Console {page} ({(interactive ? "interactive: until its circuit has rendered it" : "server-rendered: until its load event")})");
            Print("first visit", cold);
            Print("repeat visit", warm);
            results[page] = new
            {
                interactive,
                firstVisit = Figures(cold),
                repeatVisit = Figures(warm),
            };
        }
        var live = await LiveUpdatesAsync(parley, browser, cookie.Value, client);
        return new { loads = Loads, accounts = Accounts, sessions = Sessions, pages = results, liveUpdateMs = live };
    }

    /// <summary>
    /// How long a message sent through the session API takes to show in an open Chats page: from the request leaving
    /// to the session's row on top with the message's preview, as the page's own frames see it.
    /// </summary>
    static async Task<object> LiveUpdatesAsync(TestParley parley, IBrowser browser, string cookie, Guid client)
    {
        await using var context = await SignedInContextAsync(browser, parley.BaseAddress, cookie);
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(parley.BaseAddress, "/console/chats").ToString());
        await page.WaitForSelectorAsync("[data-console-live]", new() { State = WaitForSelectorState.Attached });
        var times = new List<double>();
        for (var i = 0; i < Loads; i++)
        {
            var session = await parley.CreateSessionAsync(client);
            // The reply waits, so the preview can only be the user's message.
            parley.Upstream.Enqueue(ScriptedReply.Text("later") with { FirstTokenDelay = TimeSpan.FromSeconds(2) });
            var text = $"live update {i}";
            var clock = Stopwatch.StartNew();
            var sent = parley.SendAsync(session.AccessKey, text);
            await page.WaitForFunctionAsync(
                "text => document.querySelector('.session-row .session-preview')?.textContent === text", text);   // polled every frame
            times.Add(clock.Elapsed.TotalMilliseconds);
            await sent;
        }
        var (p50, p95) = (Machine.Percentile(times, 50), Machine.Percentile(times, 95));
        Console.WriteLine($"Console live update (session API message to the Chats page's list)  p50 {p50,6:0.0} ms  p95 {p95,6:0.0} ms");
        return new { p50, p95 };
    }

    static async Task<IBrowserContext> SignedInContextAsync(IBrowser browser, Uri baseAddress, string cookie)
    {
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        await context.AddCookiesAsync([new Cookie
        {
            Name = "parley.console", Value = cookie, Url = baseAddress.ToString(), HttpOnly = true, SameSite = SameSiteAttribute.Strict,
        }]);
        await context.AddInitScriptAsync(WatchLiveMark);
        return context;
    }

    /// <summary>One navigation: the time until usable, and every byte that came in for it until then.</summary>
    static async Task<Load> LoadAsync(IBrowserContext context, string url)
    {
        var page = await context.NewPageAsync();
        var network = await context.NewCDPSessionAsync(page);
        long httpBytes = 0, circuitBytes = 0;
        network.Event("Network.loadingFinished").OnEvent += (_, e) =>
            Interlocked.Add(ref httpBytes, (long)e!.Value.GetProperty("encodedDataLength").GetDouble());
        network.Event("Network.webSocketFrameReceived").OnEvent += (_, e) =>
            Interlocked.Add(ref circuitBytes, FrameBytes(e!.Value.GetProperty("response")));
        await network.SendAsync("Network.enable");

        var response = await page.GotoAsync(url);
        // Blazor marks each server component it prerenders with a comment, which its circuit then takes over.
        var interactive = (await response!.TextAsync()).Contains("<!--Blazor:{\"type\":\"server\"", StringComparison.Ordinal);
        double ready;
        if (interactive)
        {
            await page.WaitForFunctionAsync("() => window.parleyLive !== undefined", null, new() { Timeout = 15_000 });
            ready = await page.EvaluateAsync<double>("() => window.parleyLive");
        }
        else
        {
            await page.WaitForLoadStateAsync(LoadState.Load);
            ready = await page.EvaluateAsync<double>("() => performance.getEntriesByType('navigation')[0].loadEventEnd");
        }
        // The bytes of the requests still finishing (a late stylesheet, the circuit's first batches) belong to this load.
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var load = new Load(ready, Interlocked.Read(ref httpBytes) + Interlocked.Read(ref circuitBytes), Interlocked.Read(ref circuitBytes), interactive);
        await network.DetachAsync();
        await page.CloseAsync();
        return load;
    }

    // Text frames are counted as UTF-8; binary ones (the circuit's MessagePack) come base64-encoded.
    static long FrameBytes(JsonElement frame) => frame.GetProperty("opcode").GetDouble() == 2
        ? Convert.FromBase64String(frame.GetProperty("payloadData").GetString()!).LongLength
        : System.Text.Encoding.UTF8.GetByteCount(frame.GetProperty("payloadData").GetString()!);

    static void Print(string visit, List<Load> loads)
    {
        var ms = loads.Select(l => l.ReadyMs).ToList();
        Console.WriteLine($"  {visit,-13} usable p50 {Machine.Percentile(ms, 50),6:0.0} ms  p95 {Machine.Percentile(ms, 95),6:0.0} ms" +
            $"  transferred p50 {Median(loads, l => l.Bytes) / 1024.0,6:0.0} KB (circuit {Median(loads, l => l.CircuitBytes) / 1024.0:0.0} KB)");
    }

    static object Figures(List<Load> loads) => new
    {
        usableMs = new { p50 = Machine.Percentile([.. loads.Select(l => l.ReadyMs)], 50), p95 = Machine.Percentile([.. loads.Select(l => l.ReadyMs)], 95) },
        transferredBytes = Median(loads, l => l.Bytes),
        circuitBytes = Median(loads, l => l.CircuitBytes),
    };

    static long Median(List<Load> loads, Func<Load, long> bytes) => (long)Machine.Percentile([.. loads.Select(l => (double)bytes(l))], 50);

    readonly record struct Load(double ReadyMs, long Bytes, long CircuitBytes, bool Interactive);
}
