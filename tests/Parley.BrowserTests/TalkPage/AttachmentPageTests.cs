using Parley.Testing.Upstream;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.TalkPage;

/// <summary>Files on the talk page: picked, previewed, removed, sent with their progress, and shown in the conversation.</summary>
public sealed class AttachmentPageTests(BrowserFixture browser) : BrowserTest(browser)
{
    // A one-pixel PNG with 40 KB after its end, which image readers ignore: large enough for its upload to be watched.
    static readonly byte[] Png = [.. Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="), .. new byte[40_000]];

    async Task<string> TalkUrlAsync(bool allowAttachments)
    {
        var gateway = await Parley.CreateGatewayAsync(new
        {
            baseAddress = Parley.Upstream.BaseAddress, apiKey = "sk-upstream-secret-123456", modelName = "gpt-4o-mini", acceptsImages = true,
        });
        var client = await Parley.CreateChatClientAsync(gateway, new { allowAttachments });
        return (await Parley.CreateSessionAsync(client)).TalkUrl;
    }

    [Fact]
    public async Task An_image_is_previewed_can_be_removed_and_goes_up_with_its_progress_shown()
    {
        var page = await OpenPageAsync();
        await page.GotoAsync(await TalkUrlAsync(allowAttachments: true));
        var attach = page.GetByRole(AriaRole.Button, new() { Name = "Attach files" });
        await Expect(attach).ToBeVisibleAsync();

        var chooser = await page.RunAndWaitForFileChooserAsync(() => attach.ClickAsync());
        await chooser.SetFilesAsync([
            new FilePayload { Name = "photo.png", MimeType = "image/png", Buffer = Png },
            new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = "Ship on Friday."u8.ToArray() },
        ]);
        var tray = page.GetByRole(AriaRole.List, new() { Name = "Files to send" });
        await Expect(tray.Locator("img")).ToHaveCountAsync(1);
        await Expect(tray.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(2);
        await SaveScreenshotAsync("talk-attachments-tray");
        await tray.GetByRole(AriaRole.Button, new() { Name = "Remove notes.txt" }).ClickAsync();
        await Expect(tray.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(1);

        // A slow uplink, so the upload's progress can be seen; the model's answer waits for the test.
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Network.enable");
        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = 20_000,
        });
        var reply = ScriptedReply.Text("A single ", "pixel.") with { HoldAfterTokens = 1 };
        Parley.Upstream.Enqueue(reply);
        await page.Locator("#parley-input").FillAsync("What is this?");
        await page.Locator("#parley-input").PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Progressbar, new() { Name = "Sending files" })).ToBeVisibleAsync();
        await SaveScreenshotAsync("talk-attachments-progress");
        await Expect(tray).ToBeHiddenAsync();
        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = -1,
        });
        await Expect(page.Locator(".parley-message-assistant .parley-bubble")).ToHaveTextAsync("A single");
        reply.Release.SetResult();
        await Expect(page.Locator(".parley-message-assistant .parley-bubble")).ToHaveTextAsync("A single pixel.");

        var parts = Parley.Upstream.Requests[^1].Body.GetProperty("messages").EnumerateArray().Last().GetProperty("content").EnumerateArray().ToList();
        Assert.Contains(parts, p => p.GetProperty("type").GetString() == "image_url");
        Assert.DoesNotContain("Ship on Friday", Parley.Upstream.Requests[^1].Body.GetRawText(), StringComparison.Ordinal);

        // After a reload the image comes from the server, under the message it came with.
        await page.ReloadAsync();
        var shown = page.Locator(".parley-message-user .parley-files img");
        await Expect(shown).ToHaveAttributeAsync("alt", "photo.png");
        Assert.True(await shown.EvaluateAsync<bool>("image => image.complete && image.naturalWidth === 1"));
        await SaveScreenshotAsync("talk-attachments-sent");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task A_refused_file_is_explained_and_the_message_and_its_files_stay_to_be_fixed()
    {
        var session = await Parley.CreateSessionAsync(await Parley.CreateChatClientAsync(
            clientParameters: new { allowAttachments = true }, limitingParameters: new { allowedAttachmentTypes = new[] { "text/plain" } }));
        var page = await OpenPageAsync();
        await page.GotoAsync(session.TalkUrl);
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "photo.txt", MimeType = "text/plain", Buffer = Png });
        await page.Locator("#parley-input").FillAsync("Read this");
        await page.Locator("#parley-input").PressAsync("Enter");

        await Expect(page.Locator(".parley-notice")).ToContainTextAsync("photo.txt is not a kind of file this assistant takes.");
        await Expect(page.Locator("#parley-input")).ToHaveValueAsync("Read this");
        await Expect(page.Locator(".parley-tray .parley-chip")).ToHaveCountAsync(1);
        Assert.Empty(Parley.Upstream.Requests);
    }

    [Fact]
    public async Task Without_files_allowed_the_page_loads_no_code_for_them()
    {
        var page = await OpenPageAsync();
        var scripts = new List<string>();
        page.Request += (_, request) => scripts.Add(request.Url);
        await page.GotoAsync(await TalkUrlAsync(allowAttachments: false));
        await Expect(page.Locator("#parley-input")).ToBeEditableAsync();

        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Attach files" })).ToHaveCountAsync(0);
        Assert.DoesNotContain(scripts, url => url.Contains("attach.js", StringComparison.Ordinal));
    }
}
