using Parley.Testing.Upstream;

namespace Parley.BrowserTests;

/// <summary>
/// A Chromium of its own for the voice tests: its microphone is a WAV file this fixture writes (a short tone), and it
/// grants the microphone without asking, the way a user who allows it would.
/// </summary>
public sealed class FakeMicrophoneBrowser : IAsyncLifetime
{
    readonly string recording = Path.Combine(Path.GetTempPath(), $"parley-microphone-{Guid.NewGuid():N}.wav");
    IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await File.WriteAllBytesAsync(recording, TestUpstream.Wav(TimeSpan.FromSeconds(3), 330, sampleRate: 44_100));
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", $"--use-file-for-fake-audio-capture={recording}",
                "--autoplay-policy=no-user-gesture-required",
            ],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        playwright?.Dispose();
        File.Delete(recording);
    }
}
