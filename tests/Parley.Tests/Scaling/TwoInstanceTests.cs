using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Tests.Scaling;

/// <summary>
/// Two Parley processes behind an imaginary load balancer, sharing one PostgreSQL database and one Redis of the
/// test's own.
/// </summary>
public sealed class TwoInstanceTests : IAsyncLifetime
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    TestUpstream upstream = null!;
    TestDatabase database = null!;
    RedisServer redis = null!;
    DirectoryInfo folder = null!;
    ParleyProcess a = null!;
    ParleyProcess b = null!;

    public async ValueTask InitializeAsync()
    {
        upstream = await TestUpstream.StartAsync();
        database = TestDatabase.Create(DatabaseKind.Postgres);
        redis = await RedisServer.StartAsync();
        folder = Directory.CreateTempSubdirectory("parley-two-");
        a = await StartInstanceAsync();
        b = await StartInstanceAsync();
    }

    Task<ParleyProcess> StartInstanceAsync() => ParleyProcess.StartAsync(folder.FullName, new()
    {
        ["PARLEY_ADMIN_KEY"] = TestParley.AdminKey,
        ["Database__Provider"] = "Postgres",
        ["Database__ConnectionString"] = database.ConnectionString!,
        ["Redis__Configuration"] = redis.Configuration,
        ["Redis__SessionLockSeconds"] = "3",
        ["Providers__MaxRetries"] = "0",
    });

    public async ValueTask DisposeAsync()
    {
        await a.DisposeAsync();
        await b.DisposeAsync();
        await redis.DisposeAsync();
        await upstream.DisposeAsync();
        await database.DisposeAsync();
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task A_reply_generated_on_one_instance_is_followed_from_the_other()
    {
        var key = await CreateSessionAsync(a);
        upstream.Enqueue(ScriptedReply.Text("Hello ", "from ", "instance ", "A.") with { TokenDelay = TimeSpan.FromMilliseconds(700) });

        using var http = Client(a);
        var onA = SendAsync(http, key, "hi");
        await upstream.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
        using var follower = Client(b);
        var view = await GetChatAsync(follower, key);
        Assert.True(view.GetProperty("replying").GetBoolean());
        using var follow = await follower.GetAsync($"/api/v1/chat/{key}/reply", HttpCompletionOption.ResponseHeadersRead, Ct);
        var followed = await SseResponse.ReadAsync(follow, Ct);

        Assert.Equal("Hello from instance A.", followed.Text);
        Assert.Equal("done", followed.Last.Type);
        Assert.Equal((await onA).Last.Data.GetProperty("messageId").GetGuid(), followed.Last.Data.GetProperty("messageId").GetGuid());
    }

    [Fact]
    public async Task An_operator_connected_to_one_instance_sees_the_events_of_a_reply_on_the_other()
    {
        var (key, sessionId, _) = await CreateSessionWithIdAsync(a);
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(b.BaseAddress, "/hubs/sessions"), options => options.Headers["Authorization"] = $"Bearer {TestParley.AdminKey}")
            .Build();
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var completed = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JsonElement>("sessionEvent", e =>
        {
            seen.Enqueue(e.GetProperty("kind").GetString()!);
            if (e.GetProperty("kind").GetString() == "reply-completed") completed.TrySetResult(e);
        });
        await hub.StartAsync(Ct);
        await hub.InvokeAsync("Watch", sessionId, Ct);

        using var http = Client(a);
        var reply = await SendAsync(http, key, "hello");

        var done = await completed.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(["reply-started", "reply-completed"], seen);
        Assert.Equal(reply.Last.Data.GetProperty("messageId").GetGuid(), done.GetProperty("messageId").GetGuid());
        Assert.Equal(sessionId, done.GetProperty("sessionId").GetGuid());
    }

    [Fact]
    public async Task The_session_hub_wants_the_admin_key()
    {
        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(b.BaseAddress, "/hubs/sessions")).Build();

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => hub.StartAsync(Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Concurrent_messages_through_both_instances_get_one_reply_at_a_time()
    {
        var key = await CreateSessionAsync(a);
        // Slow enough that the second message reaches the other instance while the first reply runs, even on a busy machine.
        upstream.Enqueue(ScriptedReply.Text("slow", " reply") with { TokenDelay = TimeSpan.FromMilliseconds(2000) });

        using var httpA = Client(a);
        using var httpB = Client(b);
        var first = SendAsync(httpA, key, "first");
        await upstream.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
        var second = await SendAsync(httpB, key, "second");

        Assert.Equal(HttpStatusCode.Conflict, second.Status);
        Assert.Equal("reply_in_progress", second.ProblemCode);
        Assert.Equal("slow reply", (await first).Text);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(httpB, key, "second, again")).Status);
        Assert.Equal(2, upstream.Requests.Count);
    }

    [Fact]
    public async Task The_hourly_limit_holds_across_instances()
    {
        var key = await CreateSessionAsync(a, new { messagesPerHour = 2 });
        using var httpA = Client(a);
        using var httpB = Client(b);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(httpA, key, "one")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(httpB, key, "two")).Status);
        var third = await SendAsync(httpA, key, "three");
        var fourth = await SendAsync(httpB, key, "four");

        Assert.Equal("hourly_limit_reached", third.ProblemCode);
        Assert.Equal("hourly_limit_reached", fourth.ProblemCode);
        Assert.Equal(2, upstream.Requests.Count);
    }

    [Fact]
    public async Task Killing_an_instance_mid_reply_leaves_the_session_usable_from_the_other_with_the_partial_reply_kept()
    {
        var key = await CreateSessionAsync(a);
        upstream.Enqueue(ScriptedReply.Text("First part. ", "Second part. ", "Third part. ", "Fourth part. ", "Fifth part. ", "Sixth part.") with
        {
            TokenDelay = TimeSpan.FromMilliseconds(400),
        });
        using var httpA = Client(a);
        using var stream = await httpA.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/v1/chat/{key}/messages")
        {
            Content = JsonContent.Create(new { content = "Tell me in six parts" }),
        }, HttpCompletionOption.ResponseHeadersRead, Ct);
        await upstream.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
        await Task.Delay(1700, Ct);

        await a.KillAsync();

        using var httpB = Client(b);
        JsonElement reply;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(250, Ct);
            reply = (await GetChatAsync(httpB, key)).GetProperty("messages").EnumerateArray().LastOrDefault();
        }
        while ((reply.ValueKind == JsonValueKind.Undefined || reply.GetProperty("role").GetString() != "assistant") && DateTime.UtcNow < deadline);

        Assert.Equal("assistant", reply.GetProperty("role").GetString());
        Assert.Equal("incomplete", reply.GetProperty("status").GetString());
        Assert.StartsWith("First part. Second part.", reply.GetProperty("content").GetString());
        upstream.Enqueue(ScriptedReply.Text("Here it is, whole."));
        using var retry = await httpB.PostAsync($"/api/v1/chat/{key}/retry", null, Ct);
        Assert.Equal("Here it is, whole.", (await SseResponse.ReadAsync(retry, Ct)).Text);
    }

    [Fact]
    public async Task A_Redis_restart_loses_no_conversation_and_the_instances_recover()
    {
        var key = await CreateSessionAsync(a);
        using var httpA = Client(a);
        using var httpB = Client(b);
        upstream.Enqueue(ScriptedReply.Text("Before the restart."));
        await SendAsync(httpA, key, "one");

        await redis.StopAsync();
        using var notReady = await httpA.GetAsync("/readyz", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        var whileDown = await SendAsync(httpB, key, "two");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, whileDown.Status);
        Assert.Equal("shared_state_unavailable", whileDown.ProblemCode);
        await redis.RestartAsync();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await httpB.GetAsync("/readyz", Ct)).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline) await Task.Delay(250, Ct);
        upstream.Enqueue(ScriptedReply.Text("After the restart."));
        var after = await SendAsync(httpB, key, "three");

        Assert.True(after.Text == "After the restart.", $"{after.Status} {after.Problem} {string.Join(" | ", after.Events.Select(e => e.Type + " " + e.Data))}");
        var messages = (await GetChatAsync(httpA, key)).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString());
        Assert.Equal(["one", "Before the restart.", "three", "After the restart."], messages);
    }

    [Fact]
    public async Task A_person_answering_through_one_instance_reaches_a_talk_page_connected_to_the_other()
    {
        var (key, sessionId, clientId) = await CreateSessionWithIdAsync(a);
        using var httpA = Client(a);
        using var follower = Client(b);
        using var events = await follower.GetAsync($"/api/v1/chat/{key}/events", HttpCompletionOption.ResponseHeadersRead, Ct);
        await using var stream = SseResponse.ReadEventsAsync(events, Ct).GetAsyncEnumerator(Ct);
        var path = $"/api/v1/web-chat-client/{clientId}/sessions/{sessionId}";

        (await httpA.PostAsJsonAsync($"{path}/takeover", new { name = "Marina" }, Ct)).EnsureSuccessStatusCode();
        (await httpA.PostAsJsonAsync($"{path}/messages", new { content = "Hello from Marina" }, Ct)).EnsureSuccessStatusCode();

        Assert.True(await stream.MoveNextAsync());
        Assert.Equal(("taken-over", "Marina"), (stream.Current.Type, stream.Current.Data.GetProperty("name").GetString()));
        Assert.True(await stream.MoveNextAsync());
        Assert.Equal(("operator-message", "Hello from Marina"), (stream.Current.Type, stream.Current.Data.GetProperty("content").GetString()));
    }

    [Fact]
    public async Task A_conversation_in_privacy_mode_goes_on_through_either_instance_and_its_text_ends_with_the_session()
    {
        var (key, sessionId, _) = await a.CreateSessionAsync(upstream.BaseAddress, ct: Ct,
            clientParameters: new { privacyMode = true, allowAttachments = true });
        using var httpA = Client(a);
        using var httpB = Client(b);
        upstream.Enqueue(ScriptedReply.Text("Your locker is ", "A-17."));
        var plan = "Floor 2, row C."u8.ToArray();
        await SendAsync(httpA, key, "I am Ana, where is my locker?", ("locker-plan.txt", plan));
        upstream.Enqueue(ScriptedReply.Text("A-17, Ana."));
        await SendAsync(httpB, key, "Say it again");

        Assert.Contains(upstream.Requests[^1].Messages, m => m.Content == "Your locker is A-17.");
        Assert.Contains(upstream.Requests[^1].Messages, m => m.Content.Contains("I am Ana", StringComparison.Ordinal));
        Assert.Contains("File locker-plan.txt:", upstream.Requests[^1].Body.GetRawText(), StringComparison.Ordinal);
        var chat = await GetChatAsync(httpB, key);
        var seen = chat.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString());
        Assert.Equal(["I am Ana, where is my locker?", "Your locker is A-17.", "Say it again", "A-17, Ana."], seen);
        var file = chat.GetProperty("messages")[0].GetProperty("attachments")[0];
        Assert.Equal("locker-plan.txt", file.GetProperty("name").GetString());
        Assert.Equal(plan, await httpB.GetByteArrayAsync(file.GetProperty("url").GetString(), Ct));

        // The text lives in Redis no longer than the session (an hour by default), and nowhere in the database.
        await using var shared = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var left = await shared.GetDatabase().KeyTimeToLiveAsync($"parley:session:{sessionId:n}:private");
        Assert.InRange(left!.Value, TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(61));
        await using var db = new Npgsql.NpgsqlConnection(database.ConnectionString);
        await db.OpenAsync(Ct);
        await using var query = new Npgsql.NpgsqlCommand("SELECT (SELECT count(*) FROM \"Messages\" m WHERE m::text LIKE '%locker%' OR m::text LIKE '%A-17%') + (SELECT count(*) FROM \"Attachments\" a WHERE a::text LIKE '%locker%')", db);
        Assert.Equal(0L, (long)(await query.ExecuteScalarAsync(Ct))!);
    }

    static HttpClient Client(ParleyProcess instance)
    {
        var http = new HttpClient { BaseAddress = instance.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestParley.AdminKey);
        return http;
    }

    async Task<string> CreateSessionAsync(ParleyProcess instance, object? limits = null) =>
        (await CreateSessionWithIdAsync(instance, limits)).AccessKey;

    Task<(string AccessKey, Guid SessionId, Guid ClientId)> CreateSessionWithIdAsync(ParleyProcess instance, object? limits = null) =>
        instance.CreateSessionAsync(upstream.BaseAddress, limits, ct: Ct);

    static async Task<SseResponse> SendAsync(HttpClient http, string key, string content, params (string Name, byte[] Data)[] files)
    {
        var body = new { content, attachments = files.Select(f => new { name = f.Name, data = f.Data }) };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/chat/{key}/messages") { Content = JsonContent.Create(body) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        return await SseResponse.ReadAsync(response, Ct);
    }

    static async Task<JsonElement> GetChatAsync(HttpClient http, string key) =>
        (await http.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{key}", Ct)).GetProperty("data");
}
