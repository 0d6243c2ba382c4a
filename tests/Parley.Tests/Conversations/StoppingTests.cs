using System.Text.Json;
using Parley.Testing;
using Parley.Testing.Upstream;
using static Parley.Tests.Conversations.ConversationTests;

namespace Parley.Tests.Conversations;

/// <summary>Stopping Parley while replies stream: they get the grace period, then an honest end, and what was said is kept.</summary>
public abstract class StoppingTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reply_in_progress_when_Parley_stops_finishes_within_the_grace_period()
    {
        await using var parley = await TestParley.StartAsync(kind, "--Parley:ShutdownGraceSeconds=60");
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text("one", " two", " three", " four", " five") with { TokenDelay = TimeSpan.FromMilliseconds(400) });
        using var page = new HttpClient { BaseAddress = parley.BaseAddress };

        var (events, restarted) = await ReadWhileRestartingAsync(parley, page, session.AccessKey);

        await restarted;
        Assert.Equal("done", events[^1].Type);
        Assert.Equal("one two three four five", string.Concat(events.Where(e => e.Type == "delta").Select(e => e.Data.GetProperty("content").GetString())));
        var stored = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages")[1];
        Assert.Equal(("complete", "one two three four five"), (stored.GetProperty("status").GetString(), stored.GetProperty("content").GetString()));
    }

    [Fact]
    public async Task Reply_still_running_after_the_grace_period_ends_with_server_stopping_and_is_kept_as_incomplete()
    {
        await using var parley = await TestParley.StartAsync(kind, "--Parley:ShutdownGraceSeconds=1");
        var session = await parley.CreateSessionAsync();
        parley.Upstream.Enqueue(ScriptedReply.Text([.. Enumerable.Range(1, 40).Select(i => $"part{i} ")]) with
        {
            TokenDelay = TimeSpan.FromMilliseconds(200),
        });
        using var page = new HttpClient { BaseAddress = parley.BaseAddress };

        var (events, restarted) = await ReadWhileRestartingAsync(parley, page, session.AccessKey);

        await restarted;
        var error = events[^1];
        Assert.Equal("error", error.Type);
        Assert.Equal("server_stopping", error.Data.GetProperty("code").GetString());
        Assert.True(error.Data.GetProperty("retryable").GetBoolean());
        var said = string.Concat(events.Where(e => e.Type == "delta").Select(e => e.Data.GetProperty("content").GetString()));
        Assert.StartsWith("part1 part2 ", said);
        Assert.DoesNotContain("part40", said);

        var messages = (await GetChatAsync(parley, session.AccessKey)).GetProperty("messages");
        Assert.Equal("a long story", messages[0].GetProperty("content").GetString());
        var stored = messages[1];
        Assert.Equal(error.Data.GetProperty("messageId").GetGuid(), stored.GetProperty("id").GetGuid());
        Assert.Equal(("incomplete", "server_stopping"), (stored.GetProperty("status").GetString(), stored.GetProperty("errorCode").GetString()));
        Assert.Equal(said, stored.GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("finishReason").ValueKind);
    }

    /// <summary>
    /// Sends "a long story", and once two tokens arrived restarts Parley while the page goes on reading; returns the
    /// events the page saw and the restart.
    /// </summary>
    static async Task<(List<SseEvent> Events, Task Restarted)> ReadWhileRestartingAsync(TestParley parley, HttpClient page, string accessKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/chat/{accessKey}/messages")
        {
            Content = JsonContent.Create(new { content = "a long story" }),
        };
        using var response = await page.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        var events = new List<SseEvent>();
        var restarted = Task.CompletedTask;
        await foreach (var item in SseResponse.ReadEventsAsync(response, Ct))
        {
            events.Add(item);
            if (events.Count == 2) restarted = parley.RestartAsync();
        }
        return (events, restarted);
    }
}

public sealed class StoppingOnSqlite() : StoppingTests(DatabaseKind.Sqlite);

public sealed class StoppingOnPostgres() : StoppingTests(DatabaseKind.Postgres);
