using System.Net;
using Parley.ChatClients;
using Parley.OperatorConsole.Editors;
using Parley.Testing;

namespace Parley.Tests.OperatorConsole;

/// <summary>The chat client editor's live preview: the talk page from unsaved settings, for admins only.</summary>
public sealed class TalkPreviewTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_preview_is_the_talk_page_of_the_unsaved_settings_framed_only_by_the_console_and_only_for_admins()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var token = Guid.NewGuid();
        parley.Services.GetRequiredService<TalkPreviews>().Put(token, "Draft client",
            new ClientParameters { HelloLabel = "<b>Hi</b>", PrimaryColor = "#0a7d4f", AllowedFrameOrigins = ["https://shop.example.com"] });
        var path = $"{TalkPreviews.Path}/{token}";

        using (var signedOut = parley.Console())
        using (var anonymous = await signedOut.GetAsync(path, Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
            Assert.Contains("/console/login", anonymous.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }
        await parley.CreateOperatorAsync("ana", "correct horse battery", role: "agent");
        using (var agent = parley.Console())
        {
            await agent.SignInAsync("ana", "correct horse battery", Ct);
            using var denied = await agent.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
            Assert.Contains("/console/denied", denied.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        using var admin = parley.Console();
        await admin.SignInWithAdminKeyAsync(Ct);
        using var preview = await admin.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        var html = await preview.Content.ReadAsStringAsync(Ct);
        Assert.Contains("&lt;b&gt;Hi&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.Contains("--parley-primary:#0a7d4f", html, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'self'", preview.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        using var unknown = await admin.GetAsync($"{TalkPreviews.Path}/{Guid.NewGuid()}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var noEvents = await parley.Anonymous.GetAsync($"{TalkPreviews.Path}/{Guid.NewGuid()}/api/events", Ct);
        Assert.Equal(HttpStatusCode.NotFound, noEvents.StatusCode);
    }
}
