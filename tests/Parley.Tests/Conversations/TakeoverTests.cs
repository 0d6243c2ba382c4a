using System.Net;
using System.Text.Json;
using Parley.Tests.Hosting;
using Parley.Testing;
using Parley.Testing.Upstream;
using static Parley.Tests.Conversations.ConversationTests;

namespace Parley.Tests.Conversations;

/// <summary>A person answers in the assistant's place, then hands the conversation back.</summary>
public abstract class TakeoverTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static string SessionPath(CreatedSession session) => $"/api/v1/web-chat-client/{session.ClientId}/sessions/{session.SessionId}";

    [Fact]
    public async Task While_a_person_answers_the_assistant_is_quiet_and_the_user_gets_their_messages_live()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("I am the assistant."));
        await parley.SendAsync(session.AccessKey, "hello", Ct);

        using var takeover = await parley.Admin.PostAsJsonAsync($"{SessionPath(session)}/takeover", new { name = "Marina" }, Ct);
        await ApiAssert.DataAsync(takeover);
        // The talk page's event stream, open as the page would have it.
        using var events = await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}/events", HttpCompletionOption.ResponseHeadersRead, Ct);
        await using var stream = SseResponse.ReadEventsAsync(events, Ct).GetAsyncEnumerator(Ct);

        var held = await parley.SendAsync(session.AccessKey, "I need a human", Ct);
        using var answer = await parley.Admin.PostAsJsonAsync($"{SessionPath(session)}/messages", new { content = "Hi, Marina here. How can I help?" }, Ct);
        await ApiAssert.DataAsync(answer);

        Assert.Equal(["held"], held.Types);
        Assert.Equal("Marina", held.Last.Data.GetProperty("operatorName").GetString());
        Assert.True(await stream.MoveNextAsync());
        Assert.Equal("operator-message", stream.Current.Type);
        Assert.Equal("Hi, Marina here. How can I help?", stream.Current.Data.GetProperty("content").GetString());
        Assert.Equal("Marina", stream.Current.Data.GetProperty("name").GetString());
        Assert.Single(parley.Upstream.Requests);

        var chat = await GetChatAsync(parley, session.AccessKey);
        Assert.Equal("Marina", chat.GetProperty("takenOver").GetString());
        var messages = chat.GetProperty("messages");
        Assert.Equal("I need a human", messages[2].GetProperty("content").GetString());
        Assert.Equal("user", messages[2].GetProperty("author").GetProperty("kind").GetString());
        Assert.Equal("operator", messages[3].GetProperty("author").GetProperty("kind").GetString());
        Assert.Equal("Marina", messages[3].GetProperty("author").GetProperty("name").GetString());
        Assert.Equal("assistant", messages[1].GetProperty("author").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Handed_back_the_assistant_answers_again_knowing_what_the_person_said()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        (await parley.Admin.PostAsJsonAsync($"{SessionPath(session)}/takeover", new { name = "Marina" }, Ct)).Dispose();
        await parley.SendAsync(session.AccessKey, "Is my order late?", Ct);
        (await parley.Admin.PostAsJsonAsync($"{SessionPath(session)}/messages", new { content = "It ships tomorrow." }, Ct)).Dispose();

        using var handBack = await parley.Admin.DeleteAsync($"{SessionPath(session)}/takeover", Ct);
        await ApiAssert.DataAsync(handBack);
        parley.Upstream.Enqueue(ScriptedReply.Text("Anything else?"));
        var reply = await parley.SendAsync(session.AccessKey, "Thanks!", Ct);

        Assert.Equal("Anything else?", reply.Text);
        Assert.Equal(
        [
            ("user", "Is my order late?"),
            ("assistant", "It ships tomorrow."),
            ("user", "Thanks!"),
        ], parley.Upstream.Requests.Single().Messages);
        Assert.Equal(JsonValueKind.Null, (await GetChatAsync(parley, session.AccessKey)).GetProperty("takenOver").ValueKind);
    }

    [Fact]
    public async Task The_user_and_the_person_writing_at_the_same_moment_both_get_through()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        (await parley.Admin.PostAsJsonAsync($"{SessionPath(session)}/takeover", new { name = "Marina" }, Ct)).Dispose();

        for (var round = 0; round < 10; round++)
        {
            var user = parley.SendAsync(session.AccessKey, $"user {round}", Ct);
            var person = parley.Admin.PostAsJsonAsync($"{SessionPath(session)}/messages", new { content = $"person {round}" }, Ct);
            Assert.Equal(["held"], (await user).Types);
            using var answered = await person;
            await ApiAssert.DataAsync(answered);
        }

        var messages = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages");
        Assert.Equal(20, messages.GetArrayLength());
        Assert.Empty(parley.Upstream.Requests);
    }

    [Fact]
    public async Task Retry_while_taken_over_and_an_answer_without_a_takeover_are_refused()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        await parley.SendAsync(session.AccessKey, "hello", Ct);

        using var notTaken = await parley.Admin.PostAsJsonAsync($"{SessionPath(session)}/messages", new { content = "Hi" }, Ct);
        await ApiAssert.ProblemAsync(notTaken, HttpStatusCode.Conflict, "not_taken_over");
        (await parley.Admin.PostAsJsonAsync($"{SessionPath(session)}/takeover", new { }, Ct)).Dispose();
        using var retry = await parley.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/retry", null, Ct);
        await ApiAssert.ProblemAsync(retry, HttpStatusCode.Conflict, "taken_over");
    }

    [Fact]
    public async Task Takeover_of_an_expired_or_unknown_session_is_refused()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync(request: new { expires = 600 });
        parley.Clock.Advance(TimeSpan.FromMinutes(11));

        using var expired = await parley.Admin.PostAsJsonAsync($"{SessionPath(session)}/takeover", new { }, Ct);
        using var unknown = await parley.Admin.PostAsJsonAsync(
            $"/api/v1/web-chat-client/{session.ClientId}/sessions/{Guid.NewGuid()}/takeover", new { }, Ct);

        await ApiAssert.ProblemAsync(expired, HttpStatusCode.Gone, "session_expired");
        await ApiAssert.ProblemAsync(unknown, HttpStatusCode.NotFound, "not_found");
    }
}

public sealed class TakeoverOnSqlite() : TakeoverTests(DatabaseKind.Sqlite);

public sealed class TakeoverOnPostgres() : TakeoverTests(DatabaseKind.Postgres);
