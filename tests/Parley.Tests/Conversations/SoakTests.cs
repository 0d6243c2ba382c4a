using System.Collections.Concurrent;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Sessions;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Tests.Conversations;

/// <summary>
/// Many sessions talking at once while the provider misbehaves at random (errors, rate limits, dropped and cut
/// streams, malformed answers, slow tokens) and users walk away mid-reply. Bounded in time (PARLEY_SOAK_SECONDS, 10
/// by default) and on 127.0.0.1 only. At the end every message a user got an answer stream for is stored exactly
/// once, and every reply is either complete or incomplete with its error: none left generating.
/// </summary>
public abstract class SoakTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    // Bounded for the suite, which shares a 2-core machine with the browser tests; PARLEY_SOAK_SECONDS runs it longer.
    const int Sessions = 8;

    static TimeSpan Duration => TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("PARLEY_SOAK_SECONDS"), out var seconds) && seconds > 0 ? seconds : 10);

    [Fact]
    public async Task Sessions_talking_at_once_through_random_faults_lose_nothing_and_leave_no_reply_unsettled()
    {
        await using var parley = await TestParley.StartAsync(kind, "--Parley:RateLimits:SessionRequestsPerMinute=0",
            "--Parley:RateLimits:SessionRequestsPerMinutePerAddress=0");
        var clientId = await parley.CreateChatClientAsync();
        var sessions = new List<Parley.Testing.CreatedSession>();
        for (var i = 0; i < Sessions; i++) sessions.Add(await parley.CreateSessionAsync(clientId));

        var accepted = new ConcurrentBag<(Guid Session, string Content)>();
        var outcomes = new ConcurrentDictionary<string, int>();
        var deadline = DateTime.UtcNow + Duration;
        await Task.WhenAll(sessions.Select((session, index) => Task.Run(async () =>
        {
            var random = new Random(index);
            for (var turn = 0; DateTime.UtcNow < deadline; turn++)
            {
                parley.Upstream.Enqueue(RandomReply(random));
                var content = $"session {index} message {turn}";
                var path = random.Next(6) == 0 && turn > 0 ? "retry" : "messages";
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/chat/{session.AccessKey}/{path}")
                {
                    Content = path == "retry" ? null : JsonContent.Create(new { content }),
                };
                using var response = await parley.Anonymous.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
                outcomes.AddOrUpdate($"{path} {(int)response.StatusCode}", 1, (_, n) => n + 1);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    // The only refusal a sequential user meets: the reply it walked away from is still being written.
                    Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
                    await Task.Delay(50, Ct);
                    continue;
                }
                if (path == "messages") accepted.Add((session.SessionId, content));
                // Now and then the user walks away mid-reply; the reply goes on and is stored all the same.
                if (random.Next(8) == 0) continue;
                var events = await SseResponse.ReadAsync(response, Ct);
                outcomes.AddOrUpdate(events.Last.Type, 1, (_, n) => n + 1);
            }
        }, Ct)));

        await WaitUntilSettledAsync(parley);
        await using var scope = parley.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        var ids = sessions.Select(s => s.SessionId).ToList();
        var stored = await db.Messages.AsNoTracking().Where(m => ids.Contains(m.SessionId)).ToListAsync(Ct);

        var userMessages = stored.Where(m => m.Role == MessageRole.User).Select(m => (m.SessionId, m.Content)).ToList();
        Assert.Equal(userMessages.Count, userMessages.Distinct().Count());
        Assert.Equal(accepted.OrderBy(m => m.Content).ToList(), userMessages.OrderBy(m => m.Content).ToList());
        var replies = stored.Where(m => m.Role == MessageRole.Assistant).ToList();
        Assert.DoesNotContain(replies, m => m.Status == MessageStatus.Generating);
        Assert.All(replies.Where(m => m.Status == MessageStatus.Incomplete), m => Assert.False(string.IsNullOrEmpty(m.ErrorCode)));
        Assert.Contains(replies, m => m.Status == MessageStatus.Complete);
        Assert.Contains(replies, m => m.Status == MessageStatus.Incomplete);
        TestContext.Current.SendDiagnosticMessage(
            $"{kind} soak, {Duration.TotalSeconds:0} s: {accepted.Count} messages, {replies.Count} replies; {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}: {o.Value}"))}");
    }

    static ScriptedReply RandomReply(Random random) => random.Next(20) switch
    {
        0 => ScriptedReply.Error(500, "upstream exploded"),
        1 => ScriptedReply.Error(429, "slow down") with { RetryAfter = TimeSpan.FromMilliseconds(100) },
        2 => ScriptedReply.Text("Cut ", "in ", "the ", "middle.") with { DropAfterTokens = 2 },
        3 => ScriptedReply.Text("Ended ", "without ", "a finish.") with { EndAfterTokens = 2 },
        4 => ScriptedReply.Raw("text/html", "<html><body>502 Bad Gateway</body></html>"),
        5 => ScriptedReply.Text("Slow ", "to ", "start.") with { FirstTokenDelay = TimeSpan.FromMilliseconds(random.Next(200, 800)) },
        _ => ScriptedReply.Text([.. Enumerable.Range(0, random.Next(1, 12)).Select(i => $"word{i} ")]) with
        {
            TokenDelay = TimeSpan.FromMilliseconds(random.Next(0, 15)),
        },
    };

    /// <summary>Replies whose users walked away finish on their own; the check waits for the last of them.</summary>
    static async Task WaitUntilSettledAsync(TestParley parley)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using (var scope = parley.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<AppDb>();
                if (!await db.Messages.AnyAsync(m => m.Status == MessageStatus.Generating, Ct)) return;
            }
            Assert.True(DateTime.UtcNow < deadline, "Replies were still being generated 30 seconds after the users stopped.");
            await Task.Delay(200, Ct);
        }
    }
}

public sealed class SoakOnSqlite() : SoakTests(DatabaseKind.Sqlite);

public sealed class SoakOnPostgres() : SoakTests(DatabaseKind.Postgres);
