using System.Net.Http.Headers;
using System.Text.Json;
using Parley.Testing;
using Parley.Testing.Channels;
using Parley.Testing.Upstream;

namespace Parley.Tests.Integrations;

/// <summary>
/// Parley processes sharing one PostgreSQL database and one Redis, and one bot: in polling mode Telegram allows one
/// getUpdates at a time per bot, so one instance polls and another takes over when it dies; through the webhook, a
/// chat's messages reach either instance and are still answered one at a time, in order.
/// </summary>
public sealed class TelegramPollingAcrossInstancesTests : IAsyncLifetime
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    TestUpstream upstream = null!;
    TestDatabase database = null!;
    RedisServer redis = null!;
    FakeTelegram telegram = null!;
    DirectoryInfo folder = null!;
    readonly List<ParleyProcess> instances = [];

    public async ValueTask InitializeAsync()
    {
        upstream = await TestUpstream.StartAsync();
        database = TestDatabase.Create(DatabaseKind.Postgres);
        redis = await RedisServer.StartAsync();
        telegram = await FakeTelegram.StartAsync();
        folder = Directory.CreateTempSubdirectory("parley-polling-");
    }

    async Task<ParleyProcess> StartInstanceAsync()
    {
        var instance = await ParleyProcess.StartAsync(folder.FullName, new()
        {
            ["PARLEY_ADMIN_KEY"] = TestParley.AdminKey,
            ["Database__Provider"] = "Postgres",
            ["Database__ConnectionString"] = database.ConnectionString!,
            ["Redis__Configuration"] = redis.Configuration,
            // Short, so a dead instance's lock expires soon; not so short that a busy machine misses a renewal and
            // lets a second instance poll beside the first.
            ["Redis__SessionLockSeconds"] = "10",
        });
        instances.Add(instance);
        return instance;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in instances) await instance.DisposeAsync();
        await telegram.DisposeAsync();
        await redis.DisposeAsync();
        await upstream.DisposeAsync();
        await database.DisposeAsync();
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task One_instance_polls_a_bot_and_another_takes_over_when_it_dies()
    {
        var a = await StartInstanceAsync();
        var b = await StartInstanceAsync();
        await CreateIntegrationAsync(a, "polling");
        await telegram.WaitForCallAsync("getUpdates", 1, Wait);

        // Both instances look for bots to poll every few seconds; a second poller would end the first one's getUpdates.
        await Task.Delay(TimeSpan.FromSeconds(4), Ct);
        Assert.Single(telegram.Calls, c => c.Method == "getUpdates");
        await AnsweredAsync("one", 1);

        // Whichever instance polled, one of these two deaths is its own, and its lock expires for the next one.
        await a.KillAsync();
        await AnsweredAsync("two", 2);
        await StartInstanceAsync();
        await b.KillAsync();
        await AnsweredAsync("three", 3);

        Assert.Equal(["echo: one", "echo: two", "echo: three"], telegram.Calls.Where(call => call.Method == "sendMessage").Select(call => call.Text));
    }

    [Fact]
    public async Task Messages_of_one_chat_delivered_to_both_instances_are_answered_once_each_and_in_order()
    {
        var a = await StartInstanceAsync();
        var b = await StartInstanceAsync();
        await CreateIntegrationAsync(a, "webhook");
        var webhook = telegram.Webhook!;
        // Slow replies, so a second instance working the chat at the same time would start before the first ended.
        foreach (var answer in new[] { "first answer", "second answer", "third answer", "fourth answer" })
            upstream.Enqueue(ScriptedReply.Text(answer.Split(' ')[0] + " ", answer.Split(' ')[1]) with { TokenDelay = TimeSpan.FromMilliseconds(400) });

        // Each question reaches the other instance while the answer before it is still being written there.
        string[] questions = ["one", "two", "three", "four"];
        foreach (var (question, i) in questions.Select((q, i) => (q, i)))
        {
            var instance = i % 2 == 0 ? a : b;
            var url = new Uri(instance.BaseAddress, webhook.Url.AbsolutePath);
            Assert.Equal(System.Net.HttpStatusCode.OK,
                await telegram.DeliverAsync(url, TelegramUpdates.Text(TelegramUser.Alice, question), webhook.SecretToken, Ct));
            await upstream.WaitForRequestAsync(i + 1, TimeSpan.FromSeconds(30));
        }
        await telegram.WaitForCallAsync("sendMessage", 4, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);

        Assert.Equal(["first answer", "second answer", "third answer", "fourth answer"],
            telegram.Calls.Where(call => call.Method == "sendMessage").Select(call => call.Text));
        // Each question was asked once, after the answer before it was stored: one instance worked the chat at a time.
        Assert.Equal(4, upstream.Requests.Count);
        Assert.Equal(
            [("user", "one"), ("assistant", "first answer"), ("user", "two"), ("assistant", "second answer"), ("user", "three"),
             ("assistant", "third answer"), ("user", "four")],
            upstream.Requests[^1].Messages);
    }

    async Task AnsweredAsync(string text, int count)
    {
        telegram.EnqueueUpdate(TelegramUpdates.Text(TelegramUser.Alice, text));
        await telegram.WaitForCallAsync("sendMessage", count, Wait);
        // The instance marks the answer delivered just after Telegram took it; a kill in between would send it again.
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
    }

    async Task CreateIntegrationAsync(ParleyProcess instance, string mode)
    {
        using var http = new HttpClient { BaseAddress = instance.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestParley.AdminKey);
        async Task<Guid> PostAsync(string path, object body)
        {
            using var response = await http.PostAsJsonAsync(path, body, Ct);
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("data").GetProperty("id").GetGuid();
        }
        var gateway = await PostAsync("/api/v1/ai-gateways", new { name = "shared", parameters = new { baseAddress = upstream.BaseAddress, modelName = "gpt-4o-mini" } });
        var client = await PostAsync("/api/v1/web-chat-client", new { name = "shared", aiGatewayId = gateway });
        await PostAsync($"/api/v1/web-chat-client/{client}/integrations", new
        {
            type = "telegram", botToken = telegram.Token, mode, apiBaseAddress = telegram.BaseAddress, debounceMilliseconds = 0,
        });
    }
}
