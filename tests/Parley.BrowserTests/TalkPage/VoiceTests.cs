using System.Collections.Concurrent;
using Parley.Testing.Upstream;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.TalkPage;

/// <summary>Reading replies aloud and speaking into the input on the talk page, through the gateway or the browser.</summary>
public sealed class VoiceTests(BrowserFixture browser, FakeMicrophoneBrowser microphone) : BrowserTest(browser), IClassFixture<FakeMicrophoneBrowser>
{
    readonly ConcurrentQueue<string> errors = new();
    readonly ConcurrentQueue<IBrowserContext> contexts = new();

    async Task<string> TalkUrlAsync(bool speech, bool transcription)
    {
        var gateway = await Parley.CreateGatewayAsync(new
        {
            baseAddress = Parley.Upstream.BaseAddress, apiKey = "sk-upstream-secret-123456", modelName = "gpt-4o-mini",
            speechModel = speech ? "tts-1" : null, voice = speech ? "nova" : null, transcriptionModel = transcription ? "whisper-1" : null,
        });
        var session = await Parley.CreateSessionAsync(await Parley.CreateChatClientAsync(gateway));
        Parley.Upstream.Enqueue(ScriptedReply.Text("We open ", "at nine."));
        await Parley.SendAsync(session.AccessKey, "When do you open?", Ct);
        return session.TalkUrl;
    }

    /// <summary>A page of the fake-microphone browser; <paramref name="initScript"/> runs before the page's own scripts.</summary>
    async Task<IPage> OpenVoicePageAsync(string url, string? initScript = null)
    {
        var context = await microphone.Browser.NewContextAsync(new() { ViewportSize = Desktop, ReducedMotion = ReducedMotion.Reduce });
        contexts.Enqueue(context);
        await context.GrantPermissionsAsync(["microphone"]);
        if (initScript is not null) await context.AddInitScriptAsync(initScript);
        var page = await context.NewPageAsync();
        page.Console += (_, message) => { if (message.Type == "error") errors.Enqueue(message.Text); };
        page.PageError += (_, error) => errors.Enqueue(error);
        await page.GotoAsync(url);
        return page;
    }

    /// <summary>Pages close before Parley stops, so no open event stream holds its shutdown.</summary>
    public override async ValueTask DisposeAsync()
    {
        foreach (var context in contexts) await context.CloseAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Read_aloud_plays_the_gateway_audio_and_the_button_stops_it_while_it_plays()
    {
        var url = await TalkUrlAsync(speech: true, transcription: false);
        var page = await OpenVoicePageAsync(url);
        var speak = page.Locator(".parley-message-assistant .parley-speak");
        await Expect(speak).ToHaveAttributeAsync("aria-label", "Read aloud");

        await speak.ClickAsync();

        await Expect(speak).ToHaveAttributeAsync("aria-label", "Stop reading");
        await Expect(speak).ToHaveAttributeAsync("aria-pressed", "true");
        var asked = await Parley.Upstream.WaitForRequestAsync(2, TimeSpan.FromSeconds(10));
        Assert.Equal(("/v1/audio/speech", "tts-1", "We open at nine."), (asked.Path, asked.Model, asked.Body.GetProperty("input").GetString()));
        // The relayed audio really plays: the element moves on through it.
        await page.WaitForFunctionAsync("() => { const a = document.querySelector('audio.parley-audio'); return a && !a.paused && a.currentTime > 0; }");
        // Played to its end, the button is ready to read again.
        await Expect(speak).ToHaveAttributeAsync("aria-label", "Read aloud", new() { Timeout = 10_000 });
        await Expect(speak).ToHaveAttributeAsync("aria-pressed", "false");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Voice_input_records_the_microphone_and_puts_the_gateway_transcription_in_the_input_unsent()
    {
        var url = await TalkUrlAsync(speech: false, transcription: true);
        Parley.Upstream.TranscriptionText = "And on Sundays?";
        var page = await OpenVoicePageAsync(url);
        var mic = page.Locator(".parley-mic");
        await Expect(mic).ToHaveAttributeAsync("aria-label", "Voice input");

        await mic.ClickAsync();
        await Expect(mic).ToHaveAttributeAsync("aria-label", "Stop recording");
        await mic.ClickAsync();

        await Expect(page.Locator("#parley-input")).ToHaveValueAsync("And on Sundays?");
        await Expect(mic).ToHaveAttributeAsync("aria-label", "Voice input");
        var asked = Parley.Upstream.Requests.Single(r => r.Path == "/v1/audio/transcriptions");
        Assert.Equal("whisper-1", asked.Model);
        var file = asked.Body.GetProperty("file");
        Assert.True(file.GetProperty("size").GetInt64() > 0);
        // Providers tell the format by the file's extension: the recording's own, not a made-up one.
        Assert.EndsWith(".webm", file.GetProperty("fileName").GetString(), StringComparison.Ordinal);
        // Put in the input for the user to check: nothing was sent.
        await Expect(page.Locator(".parley-message-user")).ToHaveCountAsync(1);
        Assert.Single(Parley.Upstream.Requests, r => r.Path == "/v1/chat/completions");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Without_gateway_models_the_browser_reads_aloud_in_the_page_language()
    {
        var url = await TalkUrlAsync(speech: false, transcription: false);
        // The browser's synthesis, recorded instead of heard; it ends as soon as it starts.
        var page = await OpenVoicePageAsync(url, """
            window.spoken = [];
            speechSynthesis.speak = (u) => { window.spoken.push([u.text, u.lang]); setTimeout(() => u.onend?.(), 0); };
            """);

        await page.Locator(".parley-message-assistant .parley-speak").ClickAsync();

        await page.WaitForFunctionAsync("() => window.spoken.length === 1");
        Assert.Equal(["We open at nine.", "en"], await page.EvaluateAsync<string[]>("() => window.spoken[0]"));
        await Expect(page.Locator(".parley-speak")).ToHaveAttributeAsync("aria-label", "Read aloud");
        Assert.DoesNotContain(Parley.Upstream.Requests, r => r.Path.StartsWith("/v1/audio", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_voice_buttons_when_neither_the_gateway_nor_the_browser_offers_voice()
    {
        var url = await TalkUrlAsync(speech: false, transcription: false);
        var page = await OpenVoicePageAsync(url, """
            for (const name of ['speechSynthesis', 'SpeechRecognition', 'webkitSpeechRecognition'])
              Object.defineProperty(window, name, { value: undefined, configurable: true });
            """);

        await Expect(page.Locator(".parley-message-assistant .parley-feedback")).ToBeVisibleAsync();
        await Expect(page.Locator(".parley-speak")).ToHaveCountAsync(0);
        await Expect(page.Locator(".parley-mic")).ToHaveCountAsync(0);
        Assert.Empty(errors);
    }
}
