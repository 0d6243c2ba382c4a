using System.Diagnostics;
using System.Text.Json;
using Parley.Testing;
using Parley.Testing.Channels;

namespace Parley.Tests.Integrations;

/// <summary>A Parley, a fake Telegram, and a chat client answering there through an integration made with the admin API.</summary>
public sealed class TelegramBot : IAsyncDisposable
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    TelegramBot(TestParley parley, FakeTelegram telegram, Guid clientId)
    {
        Parley = parley;
        Telegram = telegram;
        ClientId = clientId;
    }

    public TestParley Parley { get; }
    public FakeTelegram Telegram { get; }
    public Guid ClientId { get; }
    public Guid IntegrationId { get; private set; }
    /// <summary>The body of the creation's answer.</summary>
    public string CreatedJson { get; private set; } = "";
    public string IntegrationPath => $"/api/v1/web-chat-client/{ClientId}/integrations/{IntegrationId}";

    public IReadOnlyList<TelegramCall> SentMessages => [.. Telegram.Calls.Where(c => c.Method == "sendMessage")];

    /// <summary>Every answer is sent at once (no debounce) unless a test asks for one.</summary>
    public static async Task<TelegramBot> StartAsync(
        DatabaseKind kind, object? clientParameters = null, object? limitingParameters = null, string mode = "webhook", bool allowGroups = false,
        int debounceMilliseconds = 0, string[]? arguments = null)
    {
        var bot = await StartWithoutIntegrationAsync(kind, clientParameters, limitingParameters, arguments);
        try
        {
            await bot.CreateAsync(mode, allowGroups, debounceMilliseconds);
            return bot;
        }
        catch
        {
            await bot.DisposeAsync();
            throw;
        }
    }

    public static async Task<TelegramBot> StartWithoutIntegrationAsync(
        DatabaseKind kind, object? clientParameters = null, object? limitingParameters = null, string[]? arguments = null)
    {
        var parley = await TestParley.StartAsync(kind, arguments ?? []);
        var telegram = await FakeTelegram.StartAsync();
        try
        {
            var clientId = await parley.CreateChatClientAsync(clientParameters: clientParameters, limitingParameters: limitingParameters);
            return new TelegramBot(parley, telegram, clientId);
        }
        catch
        {
            await telegram.DisposeAsync();
            await parley.DisposeAsync();
            throw;
        }
    }

    public async Task CreateAsync(string mode = "webhook", bool allowGroups = false, int debounceMilliseconds = 0)
    {
        using var response = await CreateIntegrationAsync(new
        {
            type = "telegram", botToken = Telegram.Token, mode, apiBaseAddress = Telegram.BaseAddress, allowGroups, debounceMilliseconds,
        });
        CreatedJson = await response.Content.ReadAsStringAsync(Ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Creating the integration answered {(int)response.StatusCode}: {CreatedJson}");
        IntegrationId = JsonDocument.Parse(CreatedJson).RootElement.GetProperty("data").GetProperty("id").GetGuid();
    }

    public Task<HttpResponseMessage> CreateIntegrationAsync(object request) =>
        Parley.Admin.PostAsJsonAsync($"/api/v1/web-chat-client/{ClientId}/integrations", request, Ct);

    public async Task<JsonElement> ListIntegrationsAsync() =>
        (await Parley.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/web-chat-client/{ClientId}/integrations", Ct)).GetProperty("data");

    public async Task<JsonElement> GetIntegrationAsync() =>
        (await Parley.Admin.GetFromJsonAsync<JsonElement>(IntegrationPath, Ct)).GetProperty("data");

    public async Task<JsonElement> SessionsAsync() =>
        (await Parley.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/web-chat-client/{ClientId}/sessions", Ct)).GetProperty("data").GetProperty("items");

    /// <summary>The <paramref name="count"/>-th sendMessage call, once it arrived: what the user sees.</summary>
    public Task<TelegramCall> ReplyAsync(int count) => Telegram.WaitForCallAsync("sendMessage", count, Wait);

    /// <summary>Waits for the integration's status line to start with <paramref name="start"/>.</summary>
    public async Task WaitForStatusAsync(string start)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var status = (await GetIntegrationAsync()).GetProperty("status").GetString() ?? "";
            if (status.StartsWith(start, StringComparison.Ordinal)) return;
            if (waited.Elapsed > Wait) throw new TimeoutException($"The status stayed \"{status}\", expected it to start with \"{start}\".");
            await Task.Delay(100, Ct);
        }
    }

    /// <summary>Posts a body as it is, for what Telegram would never send.</summary>
    public async Task<HttpResponseMessage> PostRawAsync(Uri url, string body, string? secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        if (secret is not null) request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secret);
        return await Parley.Anonymous.SendAsync(request, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await Parley.DisposeAsync();
        await Telegram.DisposeAsync();
    }
}
