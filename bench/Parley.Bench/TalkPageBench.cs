using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Parley.Testing;

namespace Parley.Bench;

/// <summary>
/// The talk page as a phone would get it: bytes on the wire (compressed, as browsers ask for them) and the time
/// from navigation to an input that takes a message, in headless Chromium.
/// </summary>
public static partial class TalkPageBench
{
    const int Loads = 20;

    public static async Task<object> RunAsync()
    {
        await using var parley = await TestParley.StartForBenchmarkAsync(DatabaseKind.Sqlite, "--Logging:LogLevel:Default=Error");
        var session = await parley.CreateSessionAsync(await parley.CreateChatClientAsync(clientParameters: new
        {
            pageTitle = "ACME Help",
            suggestionButtons = new[] { new { label = "Track my order", prompt = "Where is my order?" } },
        }));
        for (var i = 0; i < 3; i++) await parley.SendAsync(session.AccessKey, $"Question {i}");

        var sizes = await MeasureTransferAsync(session.TalkUrl);
        // With files allowed the page also loads attach.js; without, it never does.
        var withFiles = await parley.CreateSessionAsync(await parley.CreateChatClientAsync(clientParameters: new { allowAttachments = true }));
        var attachCode = await MeasureAttachScriptAsync(withFiles.TalkUrl);
        var (cold, warm) = await MeasureReadyAsync(session.TalkUrl);

        Console.WriteLine("Talk page (a conversation of 3 exchanges)");
        Console.WriteLine($"  own HTML+CSS+JS   {sizes.Own / 1024.0,7:0.0} KB compressed ({sizes.OwnRaw / 1024.0:0.0} KB raw)");
        Console.WriteLine($"  files code        {attachCode / 1024.0,7:0.0} KB compressed (attach.js, loaded only when files are allowed)");
        Console.WriteLine($"  vendored Markdown {sizes.Vendor / 1024.0,7:0.0} KB compressed (marked + DOMPurify)");
        Console.WriteLine($"  input usable      cold p50 {Machine.Percentile(cold, 50),6:0.0} ms  p95 {Machine.Percentile(cold, 95),6:0.0} ms");
        Console.WriteLine($"                    warm p50 {Machine.Percentile(warm, 50),6:0.0} ms  p95 {Machine.Percentile(warm, 95),6:0.0} ms");
        return new
        {
            ownCompressedBytes = sizes.Own,
            ownRawBytes = sizes.OwnRaw,
            attachScriptCompressedBytes = attachCode,
            vendorCompressedBytes = sizes.Vendor,
            inputUsableColdMs = new { p50 = Machine.Percentile(cold, 50), p95 = Machine.Percentile(cold, 95), loads = Loads },
            inputUsableWarmMs = new { p50 = Machine.Percentile(warm, 50), p95 = Machine.Percentile(warm, 95), loads = Loads },
        };
    }

    static async Task<(long Own, long OwnRaw, long Vendor)> MeasureTransferAsync(string talkUrl)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None });
        async Task<(long Compressed, long Raw, string Body)> FetchAsync(string url)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.AcceptEncoding.ParseAdd("br");
            using var response = await http.SendAsync(request);
            var compressed = (await response.Content.ReadAsByteArrayAsync()).LongLength;
            using var plain = await new HttpClient().GetAsync(url);
            var body = await plain.Content.ReadAsStringAsync();
            return (compressed, System.Text.Encoding.UTF8.GetByteCount(body), body);
        }

        var page = await FetchAsync(talkUrl);
        long own = page.Compressed, ownRaw = page.Raw, vendor = 0;
        foreach (Match asset in AssetUrl().Matches(page.Body))
        {
            var fetched = await FetchAsync(new Uri(new Uri(talkUrl), asset.Groups[1].Value).ToString());
            if (asset.Groups[1].Value.StartsWith("/vendor/", StringComparison.Ordinal)) vendor += fetched.Compressed;
            else
            {
                own += fetched.Compressed;
                ownRaw += fetched.Raw;
            }
        }
        return (own, ownRaw, vendor);
    }

    static async Task<long> MeasureAttachScriptAsync(string talkUrl)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None });
        var page = await new HttpClient().GetStringAsync(talkUrl);
        var script = AttachScript().Match(page).Groups[1].Value;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(talkUrl), script));
        request.Headers.AcceptEncoding.ParseAdd("br");
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsByteArrayAsync()).LongLength;
    }

    static async Task<(List<double> Cold, List<double> Warm)> MeasureReadyAsync(string talkUrl)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
        var phone = new BrowserNewContextOptions { ViewportSize = new() { Width = 360, Height = 740 }, IsMobile = true, HasTouch = true };
        const string ready = "performance.getEntriesByName('parley-ready')[0]?.startTime ?? -1";

        var cold = new List<double>();
        for (var i = 0; i < Loads; i++)
        {
            await using var context = await browser.NewContextAsync(phone);
            var page = await context.NewPageAsync();
            await page.GotoAsync(talkUrl);
            await page.WaitForFunctionAsync("window.Parley !== undefined");
            cold.Add(await page.EvaluateAsync<double>(ready));
        }

        var warm = new List<double>();
        await using (var context = await browser.NewContextAsync(phone))
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync(talkUrl);
            for (var i = 0; i < Loads; i++)
            {
                await page.GotoAsync(talkUrl);
                await page.WaitForFunctionAsync("window.Parley !== undefined");
                warm.Add(await page.EvaluateAsync<double>(ready));
            }
        }
        return (cold, warm);
    }

    [GeneratedRegex("(?:src|href)=\"(/(?:talk|vendor)/[^\"]+)\"")]
    private static partial Regex AssetUrl();

    [GeneratedRegex(@"""attachScript"":""([^""]+)""")]
    private static partial Regex AttachScript();
}
