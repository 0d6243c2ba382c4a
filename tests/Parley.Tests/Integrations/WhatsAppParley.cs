using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Integrations;
using Parley.Testing;
using Parley.Testing.Channels;

namespace Parley.Tests.Integrations;

/// <summary>
/// A real Parley with a chat client answering a WhatsApp number through a fake Z-API, the integration created through
/// the admin API as an operator would, and the fake's deliveries sent to the webhook URL that API returned.
/// </summary>
sealed class WhatsAppParley : IAsyncDisposable
{
    public const string UserPhone = "5511988887777";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    WhatsAppParley(TestParley parley, FakeZapi zapi, Guid clientId)
    {
        Parley = parley;
        Zapi = zapi;
        ClientId = clientId;
    }

    public TestParley Parley { get; }
    public FakeZapi Zapi { get; }
    public Guid ClientId { get; }
    /// <summary>The integration as its creation answered it (the envelope's data).</summary>
    public JsonElement Integration { get; private set; }
    public Guid IntegrationId => Integration.GetProperty("id").GetGuid();
    public Uri WebhookUrl => new(Integration.GetProperty("webhookUrl").GetString()!);

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Parley, the fake and a chat client with a WhatsApp integration; <paramref name="settings"/> add to (or replace)
    /// the integration's fields, whose debounce is 0 unless they say otherwise.
    /// </summary>
    public static async Task<WhatsAppParley> StartAsync(
        DatabaseKind kind, object? clientParameters = null, object? limitingParameters = null, JsonObject? settings = null, params string[] arguments)
    {
        var whatsApp = await OpenAsync(kind, clientParameters, limitingParameters, arguments);
        await whatsApp.IntegrateAsync(settings);
        return whatsApp;
    }

    /// <summary>Parley, the fake and a chat client, with no integration yet.</summary>
    public static async Task<WhatsAppParley> OpenAsync(
        DatabaseKind kind, object? clientParameters = null, object? limitingParameters = null, params string[] arguments)
    {
        var parley = await TestParley.StartAsync(kind, arguments);
        var zapi = await FakeZapi.StartAsync();
        var clientId = await parley.CreateChatClientAsync(clientParameters: clientParameters, limitingParameters: limitingParameters);
        return new WhatsAppParley(parley, zapi, clientId);
    }

    /// <summary>Creates the integration through the admin API and keeps what it answered.</summary>
    public async Task IntegrateAsync(JsonObject? settings = null)
    {
        using var created = await PostIntegrationAsync(settings);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"Creating the integration answered {(int)created.StatusCode}: {body}");
        Integration = body.GetProperty("data");
    }

    /// <summary>POSTs a Z-API integration for the chat client: the fake's credentials and address, and <paramref name="settings"/>.</summary>
    public Task<HttpResponseMessage> PostIntegrationAsync(JsonObject? settings = null)
    {
        var request = new JsonObject
        {
            ["type"] = "zapi",
            ["instanceId"] = Zapi.InstanceId,
            ["instanceToken"] = Zapi.InstanceToken,
            ["clientToken"] = Zapi.ClientToken,
            ["apiBaseAddress"] = Zapi.BaseAddress.ToString(),
            ["debounceMilliseconds"] = 0,
        };
        foreach (var (name, value) in settings ?? [])
            request[name] = value?.DeepClone();
        return Parley.Admin.PostAsJsonAsync($"/api/v1/web-chat-client/{ClientId}/integrations", request, Ct);
    }

    /// <summary>A text from <paramref name="phone"/>, as Z-API delivers it.</summary>
    public JsonObject Text(string message, string phone = UserPhone) => ZapiWebhooks.Text(Zapi.InstanceId, phone, message);

    /// <summary>Delivers to the integration's webhook URL and expects Parley to take the payload.</summary>
    public async Task DeliverAsync(JsonObject payload)
    {
        var status = await Zapi.DeliverAsync(WebhookUrl, payload, Ct);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    /// <summary>The <paramref name="count"/>-th send-text call, failed or not.</summary>
    public Task<ZapiCall> SentAsync(int count) => Zapi.WaitForCallAsync("send-text", count, Timeout);

    public IReadOnlyList<ZapiCall> SendTextCalls => [.. Zapi.Calls.Where(c => c.Action == "send-text")];

    /// <summary>The sessions of the chat client with this tag, as the admin API lists them.</summary>
    public async Task<JsonElement> SessionsAsync(string tag = $"whatsapp:{UserPhone}")
    {
        var body = await Parley.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/web-chat-client/{ClientId}/sessions?tag={Uri.EscapeDataString(tag)}", Ct);
        return body.GetProperty("data").GetProperty("items");
    }

    /// <summary>Waits until the chat's session holds <paramref name="count"/> messages, for messages that get no answer.</summary>
    public Task WaitForStoredMessagesAsync(int count) => UntilAsync(async () =>
        await SessionsAsync() is { } sessions && sessions.GetArrayLength() == 1 && sessions[0].GetProperty("messageCount").GetInt32() == count
            ? "stored"
            : null);

    /// <summary>The integration as the admin API shows it now.</summary>
    public async Task<JsonElement> GetIntegrationAsync()
    {
        var body = await Parley.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/web-chat-client/{ClientId}/integrations/{IntegrationId}", Ct);
        return body.GetProperty("data");
    }

    /// <summary>
    /// Waits until the integration's status says an answer could not be delivered: from then on its next attempt is
    /// set, and moving the clock brings it due.
    /// </summary>
    public Task<string> WaitForDeliveryFailureAsync() => UntilAsync(async () =>
        (await GetIntegrationAsync()).GetProperty("status").GetString() is { } status && status.StartsWith("Could not deliver an answer", StringComparison.Ordinal)
            ? status
            : null);

    /// <summary>Waits until every stored message is answered and its answer delivered: Parley has Z-API's answer to each send-text.</summary>
    public Task WaitForDeliveredAsync() => UntilAsync(async () =>
    {
        await using var scope = Parley.Services.CreateAsyncScope();
        var inbox = scope.ServiceProvider.GetRequiredService<AppDb>().InboundMessages;
        return await inbox.AllAsync(m => m.Status == InboundStatus.Done, Ct) ? "delivered" : null;
    });

    /// <summary>Asks again and again until <paramref name="probe"/> has an answer: for what Parley does in the background.</summary>
    static async Task<T> UntilAsync<T>(Func<Task<T?>> probe) where T : class
    {
        using var deadline = new CancellationTokenSource(Timeout);
        while (true)
        {
            if (await probe() is { } found) return found;
            await Task.Delay(50, deadline.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Parley.DisposeAsync();
        await Zapi.DisposeAsync();
    }
}
