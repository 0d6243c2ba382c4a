using System.Net;
using System.Text.Json;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Tests.Conversations;

public abstract class ReplyFollowAndFeedbackTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_second_reader_picks_up_a_reply_in_progress_from_its_first_token()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        // The reply holds after its first token until the second reader is in: no clock decides what it sees.
        var reply = ScriptedReply.Text("one", " two", " three") with { HoldAfterTokens = 1 };
        parley.Upstream.Enqueue(reply);

        var first = parley.SendAsync(session.AccessKey, "count", Ct);
        await parley.Upstream.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
        using var follow = await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}/reply", HttpCompletionOption.ResponseHeadersRead, Ct);
        reply.Release.SetResult();
        var followed = await SseResponse.ReadAsync(follow, Ct);

        Assert.Equal("one two three", followed.Text);
        Assert.Equal("done", followed.Last.Type);
        Assert.Equal((await first).Last.Data.GetProperty("messageId").GetGuid(), followed.Last.Data.GetProperty("messageId").GetGuid());
    }

    [Fact]
    public async Task Following_when_no_reply_is_being_generated_gets_204()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();

        using var response = await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}/reply", Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task A_silent_model_gets_keep_alive_comments_on_the_stream()
    {
        await using var parley = await TestParley.StartAsync(kind, "--Parley:HeartbeatSeconds=1");
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("late") with { FirstTokenDelay = TimeSpan.FromMilliseconds(2500) });

        using var response = await parley.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/messages", new { content = "hi" }, Ct);
        var raw = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.Headers.CacheControl is { NoStore: true, NoTransform: true });
        Assert.Equal("no", response.Headers.GetValues("X-Accel-Buffering").Single());
        Assert.True(raw.Split('\n').Count(line => line == ": keep-alive") >= 2, raw);
        Assert.Contains("event: done", raw);
    }

    [Fact]
    public async Task Feedback_is_stored_with_the_reply_and_shown_to_operators()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        var reply = await parley.SendAsync(session.AccessKey, "hi", Ct);
        var messageId = reply.Last.Data.GetProperty("messageId").GetGuid();

        using var response = await parley.Anonymous.PostAsJsonAsync(
            $"/api/v1/chat/{session.AccessKey}/messages/{messageId}/feedback", new { rating = "down", comment = "Too vague" }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var admin = await parley.Admin.GetFromJsonAsync<JsonElement>(
            $"/api/v1/web-chat-client/{session.ClientId}/sessions/{session.SessionId}", Ct);
        var feedback = admin.GetProperty("data").GetProperty("messages")[1].GetProperty("feedback");
        Assert.Equal("down", feedback.GetProperty("rating").GetString());
        Assert.Equal("Too vague", feedback.GetProperty("comment").GetString());
    }

    [Fact]
    public async Task Feedback_needs_up_or_down_on_a_reply_of_this_session()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        var other = await parley.CreateSessionAsync(session.ClientId);
        var messageId = (await parley.SendAsync(session.AccessKey, "hi", Ct)).Last.Data.GetProperty("messageId").GetGuid();

        using var badRating = await parley.Anonymous.PostAsJsonAsync(
            $"/api/v1/chat/{session.AccessKey}/messages/{messageId}/feedback", new { rating = "meh" }, Ct);
        using var wrongSession = await parley.Anonymous.PostAsJsonAsync(
            $"/api/v1/chat/{other.AccessKey}/messages/{messageId}/feedback", new { rating = "up" }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, badRating.StatusCode);
        Assert.True((await badRating.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("rating", out _));
        Assert.Equal(HttpStatusCode.NotFound, wrongSession.StatusCode);
    }
}

public sealed class ReplyFollowAndFeedbackOnSqlite() : ReplyFollowAndFeedbackTests(DatabaseKind.Sqlite);

public sealed class ReplyFollowAndFeedbackOnPostgres() : ReplyFollowAndFeedbackTests(DatabaseKind.Postgres);
