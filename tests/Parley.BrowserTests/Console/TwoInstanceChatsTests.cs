using Parley.Testing;
using Parley.Testing.Upstream;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests.Console;

/// <summary>
/// The console on one instance of Parley while end users talk through another: two processes sharing one PostgreSQL
/// database and one Redis, as behind a load balancer.
/// </summary>
public sealed class TwoInstanceChatsTests(BrowserFixture browser) : ConsoleTest(browser)
{
    TestDatabase database = null!;
    RedisServer redis = null!;
    DirectoryInfo folder = null!;
    ParleyProcess consoleSide = null!;
    ParleyProcess userSide = null!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        database = TestDatabase.Create(DatabaseKind.Postgres);
        redis = await RedisServer.StartAsync();
        folder = Directory.CreateTempSubdirectory("parley-console-two-");
        consoleSide = await StartInstanceAsync();
        userSide = await StartInstanceAsync();
    }

    Task<ParleyProcess> StartInstanceAsync() => ParleyProcess.StartAsync(folder.FullName, new()
    {
        ["PARLEY_ADMIN_KEY"] = TestParley.AdminKey,
        ["Database__Provider"] = "Postgres",
        ["Database__ConnectionString"] = database.ConnectionString!,
        ["Redis__Configuration"] = redis.Configuration,
    });

    public override async ValueTask DisposeAsync()
    {
        await consoleSide.DisposeAsync();
        await userSide.DisposeAsync();
        await redis.DisposeAsync();
        await database.DisposeAsync();
        folder.Delete(recursive: true);
        await base.DisposeAsync();
    }

    [Fact]
    public async Task A_message_that_arrives_on_another_instance_appears_live_with_its_reply_streaming()
    {
        using var users = new HttpClient { BaseAddress = userSide.BaseAddress };
        var (accessKey, _, _) = await userSide.CreateSessionAsync(Parley.Upstream.BaseAddress, tag: "far-away-user", ct: Ct);
        var page = await OpenPageAsync();
        await page.GotoAsync(new Uri(consoleSide.BaseAddress, "/console/login").ToString());
        await FillSignInAsync(page, userName: null);
        await WaitUntilLiveAsync(page);
        await page.Locator(".session-row").ClickAsync();
        await Expect(page.Locator(".chat-panel")).ToContainTextAsync("far-away-user");

        // The reply holds after two tokens: on a loaded machine the console may attach late, and then replays what came so far.
        var scripted = ScriptedReply.Text("Hello ", "from ", "the ", "other ", "side.") with { HoldAfterTokens = 2, TokenDelay = TimeSpan.FromMilliseconds(200) };
        Parley.Upstream.Enqueue(scripted);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/chat/{accessKey}/messages") { Content = JsonContent.Create(new { content = "Anyone there?" }) };
        using var stream = await users.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        stream.EnsureSuccessStatusCode();

        await Expect(page.Locator(".chat-user .chat-bubble")).ToHaveTextAsync("Anyone there?");
        var reply = page.Locator(".chat-assistant .chat-bubble");
        await Expect(reply).ToHaveTextAsync("Hello from");
        scripted.Release.SetResult();
        await Expect(reply).ToHaveTextAsync("Hello from the other side.");
        await Expect(page.Locator(".session-preview")).ToHaveTextAsync("Hello from the other side.");
        AssertNoConsoleErrors();
    }
}
