using System.Net;
using System.Text.Json;
using Parley.Testing;
using Parley.Tests.Hosting;

namespace Parley.Tests.Sessions;

/// <summary>Conversations kept only as long as the chat client says, and erased by tag on request.</summary>
public abstract class RetentionTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sessions_whose_last_message_is_older_than_the_retention_are_deleted_within_the_hour()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var kept30Days = await parley.CreateChatClientAsync(limitingParameters: new { retentionDays = 30 });
        var keptForever = await parley.CreateChatClientAsync();
        var old = await parley.CreateSessionAsync(kept30Days);
        await parley.SendAsync(old.AccessKey, "an old question", Ct);
        var untouched = await parley.CreateSessionAsync(keptForever);
        await parley.SendAsync(untouched.AccessKey, "kept for ever", Ct);

        parley.Clock.Advance(TimeSpan.FromDays(20));
        var recent = await parley.CreateSessionAsync(kept30Days);
        await parley.SendAsync(recent.AccessKey, "a newer question", Ct);
        parley.Clock.Advance(TimeSpan.FromDays(11));

        await WaitUntilAsync(async () => await StatusAsync(parley, old) == HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(parley, recent));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(parley, untouched));
        using var gone = await parley.Anonymous.GetAsync($"/api/v1/chat/{old.AccessKey}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Deleting_by_tag_erases_every_session_with_that_tag_and_nothing_else()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var clientId = await parley.CreateChatClientAsync();
        var first = await parley.CreateSessionAsync(clientId, new { tag = "user-42" });
        await parley.SendAsync(first.AccessKey, "my order number is 4711", Ct);
        parley.Clock.Advance(TimeSpan.FromHours(2));   // the first session expired: the tag opens a second one
        var second = await parley.CreateSessionAsync(clientId, new { tag = "user-42" });
        Assert.NotEqual(first.SessionId, second.SessionId);
        var other = await parley.CreateSessionAsync(clientId, new { tag = "user-43" });

        using var refused = await parley.Admin.DeleteAsync($"/api/v1/web-chat-client/{clientId}/sessions", Ct);
        var problem = await ApiAssert.InvalidAsync(refused, "tag");
        Assert.Equal("tag", problem.GetProperty("errors").EnumerateObject().Single().Name);

        using var erased = await parley.Admin.DeleteAsync($"/api/v1/web-chat-client/{clientId}/sessions?tag=user-42", Ct);
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.Equal(2, (await erased.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("data").GetProperty("deleted").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(parley, first));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(parley, second));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(parley, other));
    }

    static async Task<HttpStatusCode> StatusAsync(TestParley parley, CreatedSession session)
    {
        using var response = await parley.Admin.GetAsync($"/api/v1/web-chat-client/{session.ClientId}/sessions/{session.SessionId}", Ct);
        return response.StatusCode;
    }

    static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The retention sweep did not delete the old session within 10 seconds.");
            await Task.Delay(50, Ct);
        }
    }
}

public sealed class RetentionOnSqlite() : RetentionTests(DatabaseKind.Sqlite);

public sealed class RetentionOnPostgres() : RetentionTests(DatabaseKind.Postgres);
