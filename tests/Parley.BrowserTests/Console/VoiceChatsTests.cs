using Parley.Testing.Upstream;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.Console;

/// <summary>Reading a reply aloud in the Chats workspace.</summary>
public sealed class VoiceChatsTests(BrowserFixture browser) : BrowserTest(browser)
{
    [Fact]
    public async Task An_operator_hears_a_reply_in_the_gateway_voice()
    {
        var gateway = await Parley.CreateGatewayAsync(new
        {
            baseAddress = Parley.Upstream.BaseAddress, apiKey = "sk-upstream-secret-123456", modelName = "gpt-4o-mini", speechModel = "tts-1", voice = "echo",
        });
        using (var created = await Parley.Admin.PostAsJsonAsync("/api/v1/web-chat-client", new { name = "Ada Support", aiGatewayId = gateway }, Ct))
            created.EnsureSuccessStatusCode();
        var page = await OpenPageAsync();
        await page.SignInWithAdminKeyAsync(Parley);
        await page.GetByRole(AriaRole.Button, new() { Name = "New chat" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Ada Support" }).ClickAsync();
        Parley.Upstream.Enqueue(ScriptedReply.Text("We open ", "at nine."));
        var message = page.GetByLabel("Message", new() { Exact = true });
        await message.FillAsync("When do you open?");
        await message.PressAsync("Enter");
        await Expect(page.Locator(".chat-assistant .chat-bubble")).ToHaveTextAsync("We open at nine.");

        var speak = page.Locator(".chat-assistant .chat-speak");
        await Expect(speak).ToHaveAttributeAsync("aria-label", "Read aloud");
        await speak.ClickAsync();

        await Expect(speak).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(speak).ToHaveAttributeAsync("aria-label", "Stop reading");
        var asked = await Parley.Upstream.WaitForRequestAsync(2, TimeSpan.FromSeconds(10));
        Assert.Equal(("/v1/audio/speech", "echo", "We open at nine."),
            (asked.Path, asked.Body.GetProperty("voice").GetString(), asked.Body.GetProperty("input").GetString()));
        // Heard to the end, the button is ready again.
        await Expect(speak).ToHaveAttributeAsync("aria-pressed", "false", new() { Timeout = 10_000 });
        await Expect(speak).ToHaveAttributeAsync("aria-label", "Read aloud");
        AssertNoConsoleErrors();
    }
}
