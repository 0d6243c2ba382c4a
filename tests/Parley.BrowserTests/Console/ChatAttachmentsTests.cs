using Parley.Testing.Upstream;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.Console;

/// <summary>Files in the Chats workspace: an operator tries an assistant with an image, as its users would.</summary>
public sealed class ChatAttachmentsTests(BrowserFixture browser) : BrowserTest(browser)
{
    static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    [Fact]
    public async Task An_operator_attaches_an_image_sees_its_preview_removes_another_file_and_sends_it()
    {
        var gateway = await Parley.CreateGatewayAsync(new
        {
            baseAddress = Parley.Upstream.BaseAddress, apiKey = "sk-upstream-secret-123456", modelName = "gpt-4o-mini", acceptsImages = true,
        });
        using (var created = await Parley.Admin.PostAsJsonAsync("/api/v1/web-chat-client", new
        {
            name = "Vision Desk", aiGatewayId = gateway, clientParameters = new { allowAttachments = true }, limitingParameters = new { },
        }, Ct))
        {
            created.EnsureSuccessStatusCode();
        }
        var page = await OpenPageAsync();
        await page.SignInWithAdminKeyAsync(Parley);
        await page.GetByRole(AriaRole.Button, new() { Name = "New chat" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Vision Desk" }).ClickAsync();

        var chooser = await page.RunAndWaitForFileChooserAsync(() => page.GetByText("Attach files").ClickAsync());
        await chooser.SetFilesAsync([
            new FilePayload { Name = "shelf.png", MimeType = "image/png", Buffer = Png },
            new FilePayload { Name = "draft.txt", MimeType = "text/plain", Buffer = "not this one"u8.ToArray() },
        ]);
        var tray = page.GetByRole(AriaRole.List, new() { Name = "Files to send" });
        await Expect(tray.Locator("img")).ToHaveCountAsync(1);
        await Expect(tray.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(2);
        await SaveScreenshotAsync("chats-attachments-tray");
        await tray.GetByRole(AriaRole.Button, new() { Name = "Remove draft.txt" }).ClickAsync();
        await Expect(tray.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(1);

        Parley.Upstream.Enqueue(ScriptedReply.Text("One green pixel."));
        var message = page.GetByLabel("Message", new() { Exact = true });
        await message.FillAsync("What is on the shelf?");
        await message.PressAsync("Enter");

        await Expect(page.Locator(".chat-assistant .chat-bubble")).ToHaveTextAsync("One green pixel.");
        await Expect(tray).ToHaveCountAsync(0);
        var shown = page.Locator(".chat-user .chat-files img");
        await Expect(shown).ToHaveAttributeAsync("alt", "shelf.png");
        await Expect(shown).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("^/console/sessions/.+/attachments/"));
        Assert.True(await shown.EvaluateAsync<bool>("image => image.complete && image.naturalWidth === 1"));
        var parts = Parley.Upstream.Requests[^1].Body.GetProperty("messages").EnumerateArray().Last().GetProperty("content").EnumerateArray().ToList();
        Assert.Contains(parts, p => p.GetProperty("type").GetString() == "image_url");
        Assert.DoesNotContain("not this one", Parley.Upstream.Requests[^1].Body.GetRawText(), StringComparison.Ordinal);
        await SaveScreenshotAsync("chats-attachments-sent");
        AssertNoConsoleErrors();
    }
}
