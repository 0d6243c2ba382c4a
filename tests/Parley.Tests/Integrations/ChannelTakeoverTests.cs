using System.Net;
using Parley.Testing;
using Parley.Testing.Channels;
using Parley.Testing.Upstream;

namespace Parley.Tests.Integrations;

/// <summary>A person of the business takes a Telegram conversation over: the user's messages wait for them, their answers reach Telegram.</summary>
public sealed class ChannelTakeoverTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_taken_over_telegram_chat_gets_the_persons_answers_and_no_assistant()
    {
        await using var bot = await TelegramBot.StartAsync(DatabaseKind.Sqlite);
        bot.Parley.Upstream.Enqueue(ScriptedReply.Text("Assistant here."));
        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(TelegramUser.Alice, "hello"), Ct);
        await bot.ReplyAsync(1);
        var session = (await bot.SessionsAsync()).EnumerateArray().Single().GetProperty("id").GetGuid();
        var path = $"/api/v1/web-chat-client/{bot.ClientId}/sessions/{session}";

        (await bot.Parley.Admin.PostAsJsonAsync($"{path}/takeover", new { name = "Marina" }, Ct)).EnsureSuccessStatusCode();
        await bot.Telegram.DeliverAsync(TelegramUpdates.Text(TelegramUser.Alice, "can I talk to someone?"), Ct);
        // The held message is stored for the person once the worker has taken it.
        await WaitUntilAsync(async () => (await TranscriptAsync(bot, path)).Contains("can I talk to someone?", StringComparison.Ordinal));
        using var answer = await bot.Parley.Admin.PostAsJsonAsync($"{path}/messages", new { content = "Hi, **Marina** here." }, Ct);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var delivered = await bot.ReplyAsync(2);
        Assert.Equal(("Hi, <b>Marina</b> here.", TelegramUser.Alice.Id), (delivered.Text, delivered.ChatId));
        Assert.Single(bot.Parley.Upstream.Requests);
    }

    static async Task<string> TranscriptAsync(TelegramBot bot, string path) =>
        await bot.Parley.Admin.GetStringAsync($"{path}/transcript", Ct);

    static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var tries = 0; tries < 100 && !await condition(); tries++) await Task.Delay(100, Ct);
        Assert.True(await condition());
    }
}
