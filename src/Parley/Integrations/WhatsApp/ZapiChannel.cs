using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Caching.Memory;

namespace Parley.Integrations.WhatsApp;

/// <summary>
/// WhatsApp through Z-API (https://developer.z-api.io): every call is
/// <c>{base}/instances/{instanceId}/token/{instanceToken}/{action}</c> with the account's <c>Client-Token</c> header.
/// What people send reaches Parley through <see cref="ZapiWebhook"/>.
/// </summary>
public sealed class ZapiChannel(IHttpClientFactory httpClients, IMemoryCache cache, TimeProvider clock) : IChannel
{
    public const string HttpClientName = "zapi";
    const string OfficialBaseAddress = "https://api.z-api.io";
    // Long enough to be seen, short enough not to hold the answer back.
    const int TypingSeconds = 2;
    // Z-API echoes what Parley sends (fromMe) within seconds; a delivery is retried for at most about half an hour.
    static readonly TimeSpan RememberSent = TimeSpan.FromMinutes(10);
    static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public IntegrationType Type => IntegrationType.Zapi;

    public async Task<ChannelConnection> ConnectAsync(ChannelIntegration integration, CancellationToken ct)
    {
        var status = await CallAsync<ZapiStatus>(integration, HttpMethod.Get, "status", null, ct);
        if (!status.Connected)
            return new(integration.Address, "Z-API instance not connected to a phone yet: scan the QR code in Z-API");
        var line = status.SmartphoneConnected
            ? "Z-API instance connected"
            : "Z-API instance connected, but its phone is offline: messages wait until it is back";
        return new(await PhoneAsync(integration, ct) ?? integration.Address, line);
    }

    /// <summary>
    /// Nothing to undo: Parley never sets Z-API's webhook (the operator pastes the URL), and once the integration is
    /// gone that URL answers 404.
    /// </summary>
    public Task DisconnectAsync(ChannelIntegration integration, CancellationToken ct) => Task.CompletedTask;

    public IReadOnlyList<string> Format(string markdown) => ChannelFormatting.ToWhatsApp(markdown);

    /// <summary>The first message of an answer comes after a moment of "typing…".</summary>
    public async Task SendAsync(ChannelIntegration integration, string chatId, string message, bool first, CancellationToken ct)
    {
        var sent = await CallAsync<ZapiSent>(integration, HttpMethod.Post, "send-text",
            new ZapiSendText(chatId, message, first ? TypingSeconds : null), ct);
        if (sent.MessageId is { Length: > 0 } id) cache.Set(new Sent(integration.Id, id), true, RememberSent);
    }

    /// <summary>
    /// Z-API has no "typing" call of its own: the typing shows through send-text's <c>delayTyping</c>, so there is
    /// nothing to do while the assistant writes.
    /// </summary>
    public Task ShowTypingAsync(ChannelIntegration integration, string chatId, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Whether Parley's own send-text returned this message id lately: Z-API reports those back as sent by the phone.</summary>
    public bool SentByParley(Guid integrationId, string messageId) => cache.TryGetValue(new Sent(integrationId, messageId), out _);

    /// <summary>The connected number, when Z-API tells; the webhook's connectedPhone brings it later otherwise.</summary>
    async Task<string?> PhoneAsync(ChannelIntegration integration, CancellationToken ct)
    {
        try
        {
            return (await CallAsync<ZapiDevice>(integration, HttpMethod.Get, "device", null, ct)).Phone is { Length: > 0 } phone ? phone : null;
        }
        catch (ChannelException)
        {
            return null;
        }
    }

    async Task<T> CallAsync<T>(ChannelIntegration integration, HttpMethod method, string action, object? body, CancellationToken ct)
    {
        if (integration.Secrets is not { InstanceId: { } instanceId, InstanceToken: { } instanceToken })
            throw new ChannelException("The Z-API integration has no instance id or instance token.", permanent: true);
        var baseAddress = integration.Settings.ApiBaseAddress ?? OfficialBaseAddress;
        using var request = new HttpRequestMessage(method,
            $"{baseAddress}/instances/{Uri.EscapeDataString(instanceId)}/token/{Uri.EscapeDataString(instanceToken)}/{action}");
        if (integration.Secrets.ClientToken is { } clientToken) request.Headers.TryAddWithoutValidation("Client-Token", clientToken);
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: Json);

        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(HttpClientName).SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new ChannelException($"Z-API could not be reached: {Describe(ex.HttpRequestError)}.", inner: ex);
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new ChannelException("Z-API did not answer in time.", inner: ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode) throw await RefusalAsync(integration, action, response, ct);
            try
            {
                return await response.Content.ReadFromJsonAsync<T>(Json, ct)
                    ?? throw new ChannelException($"Z-API answered {action} with an empty body.");
            }
            catch (JsonException ex)
            {
                throw new ChannelException($"Z-API answered {action} with something that is not its JSON.", inner: ex);
            }
        }
    }

    /// <summary>What a refusal means for trying again. Z-API's own words are kept only once its credentials are taken out of them.</summary>
    async Task<ChannelException> RefusalAsync(ChannelIntegration integration, string action, HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var said = $"{status} {response.ReasonPhrase}".Trim();
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
            return new ChannelException($"Z-API asked Parley to slow down ({said}).", RetryAfter(response));
        if (status >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout)
            return new ChannelException($"Z-API is unavailable ({said}).");
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            return new ChannelException(
                $"Z-API refused the credentials ({said}): check the instance id, the instance token and the account's client token.", permanent: true);

        var reason = Scrub(await ReasonAsync(response, ct), integration.Secrets);
        if (reason?.Contains("instance not found", StringComparison.OrdinalIgnoreCase) == true)
            return new ChannelException("Z-API does not know this instance: check the instance id and the instance token.", permanent: true);
        return new ChannelException($"Z-API refused {action} ({said}){(reason is null ? "" : $": {reason}")}.", permanent: true);
    }

    TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > clock.GetUtcNow() ? date - clock.GetUtcNow() : TimeSpan.Zero,
        _ => null,
    };

    static string Describe(HttpRequestError error) => error switch
    {
        HttpRequestError.NameResolutionError => "its name did not resolve",
        HttpRequestError.ConnectionError => "the connection failed",
        HttpRequestError.SecureConnectionError => "the TLS handshake failed",
        _ => "the connection ended before an answer",
    };

    static async Task<string?> ReasonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var error = await response.Content.ReadFromJsonAsync<ZapiError>(Json, ct);
            return (error?.Error ?? error?.Message) is { Length: > 0 } text ? text[..Math.Min(text.Length, 200)] : null;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            return null;
        }
    }

    static string? Scrub(string? text, IntegrationSecrets secrets)
    {
        foreach (var secret in new[] { secrets.InstanceId, secrets.InstanceToken, secrets.ClientToken })
            if (text is not null && secret is { Length: > 0 }) text = text.Replace(secret, "[redacted]", StringComparison.OrdinalIgnoreCase);
        return text;
    }

    /// <summary>A message Parley sent.</summary>
    readonly record struct Sent(Guid IntegrationId, string MessageId);
}
