using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace Parley.Testing.Channels;

/// <summary>
/// A local Z-API (https://developer.z-api.io) on a random loopback port, for one WhatsApp instance:
/// <c>{BaseAddress}/instances/{instanceId}/token/{instanceToken}/{action}</c> with the account's Client-Token header.
/// It answers send-text, status, device and the received-message webhook settings as documented; typing presence exists in
/// Z-API only as send-text's delayTyping, which the fake records. Every request is recorded, including refused ones.
/// </summary>
public sealed partial class FakeZapi : IAsyncDisposable
{
    public const string DefaultInstanceId = "3C67AB641C8AA0412F6A2242B4E23AC7";
    public const string DefaultInstanceToken = "F2B6E0C1A9D84C7FB3E5A1D20C4B9E77";
    public const string DefaultClientToken = "Fa1c0ffee9d2b84e6a7c35e10b2d4f9a8S";

    // The method each action answers; another method on a known action gets 405, as the docs describe.
    static readonly Dictionary<string, string> Actions = new()
    {
        ["send-text"] = "POST",
        ["status"] = "GET",
        ["device"] = "GET",
        ["update-webhook-received"] = "PUT",
        ["update-webhook-received-delivery"] = "PUT",
    };

    readonly FakeHost host;
    readonly CallLog<ZapiCall> calls = new();
    readonly FaultScript faults = new();
    readonly HttpClient deliveries = new();
    readonly Lock gate = new();
    readonly List<string> sentMessageIds = [];
    Uri? receivedWebhook;

    FakeZapi(string instanceId, string instanceToken, string? clientToken)
    {
        InstanceId = instanceId;
        InstanceToken = instanceToken;
        RunLog.NoteSecret(instanceToken);
        ClientToken = clientToken;
        RunLog.NoteSecret(clientToken);
        host = new(HandleAsync);
    }

    public string InstanceId { get; }

    public string InstanceToken { get; }

    /// <summary>The account's security token; null when the account has none enabled, so the header is not checked.</summary>
    public string? ClientToken { get; }

    /// <summary>scheme://host:port; the API's paths start with /instances.</summary>
    public Uri BaseAddress => host.BaseAddress;

    /// <summary>What status reports: whether the number is connected to Z-API.</summary>
    public bool Connected { get; set; } = true;

    /// <summary>What status reports: whether the phone itself is online.</summary>
    public bool SmartphoneConnected { get; set; } = true;

    /// <summary>What device reports as the connected phone's number: the one webhook payloads give as connectedPhone.</summary>
    public string ConnectedPhone { get; set; } = ZapiWebhooks.ConnectedPhone;

    /// <summary>The URL set with update-webhook-received(-delivery), where received messages go.</summary>
    public Uri? ReceivedWebhook
    {
        get { lock (gate) return receivedWebhook; }
    }

    public IReadOnlyList<ZapiCall> Calls => calls.All;

    /// <summary>The WhatsApp message ids send-text answered, in order: what Z-API reports back when the message is echoed as fromMe.</summary>
    public IReadOnlyList<string> SentMessageIds
    {
        get { lock (gate) return [.. sentMessageIds]; }
    }

    /// <summary>While true, every request gets the HTML 502 page of the proxy in front of the API.</summary>
    public bool Down
    {
        get => host.Down;
        set => host.Down = value;
    }

    public static async Task<FakeZapi> StartAsync(
        string instanceId = DefaultInstanceId, string instanceToken = DefaultInstanceToken, string? clientToken = DefaultClientToken)
    {
        var zapi = new FakeZapi(instanceId, instanceToken, clientToken);
        await zapi.host.StartAsync();
        return zapi;
    }

    /// <summary>Stops listening: connections are refused until <see cref="StartAgainAsync"/>, on the same port.</summary>
    public Task StopAsync() => host.StopAsync();

    public Task StartAgainAsync() => host.StartAsync();

    /// <summary>
    /// The next <paramref name="times"/> requests for <paramref name="action"/> get <paramref name="fault"/>, once
    /// <paramref name="after"/> more have been answered normally (the second part of a long message, say).
    /// </summary>
    public void FailNext(string action, ChannelFault fault, int times = 1, int after = 0) => faults.Add(action, fault, times, after);

    /// <summary>The <paramref name="count"/>-th request for <paramref name="action"/>, waiting for it to arrive.</summary>
    public Task<ZapiCall> WaitForCallAsync(string action, int count, TimeSpan timeout) =>
        calls.WaitForAsync(c => c.Action == action, count, timeout, action);

    /// <summary>
    /// POSTs a webhook payload as Z-API does: JSON, and no secret header (a receiver puts its secret in the URL it
    /// registers). Returns the status the webhook answered.
    /// </summary>
    public async Task<HttpStatusCode> DeliverAsync(Uri webhookUrl, JsonObject payload, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, webhookUrl) { Content = new StringContent(payload.ToJsonString()) };
        request.Content.Headers.ContentType = new("application/json");
        using var response = await deliveries.SendAsync(request, ct);
        return response.StatusCode;
    }

    /// <summary>Delivers to the URL set with update-webhook-received.</summary>
    public Task<HttpStatusCode> DeliverAsync(JsonObject payload, CancellationToken ct = default) =>
        ReceivedWebhook is { } url
            ? DeliverAsync(url, payload, ct)
            : throw new InvalidOperationException("No received-message webhook is set: nothing called update-webhook-received.");

    public async ValueTask DisposeAsync()
    {
        await host.DisposeAsync();
        deliveries.Dispose();
    }

    async Task HandleAsync(HttpContext context)
    {
        var (request, response) = (context.Request, context.Response);
        if (ParsePath(request.Path.Value) is not var (instanceId, instanceToken, action))
        {
            await WriteAsync(response, 404, Error("Not Found"));
            return;
        }
        var clientToken = request.Headers.TryGetValue("Client-Token", out var header) ? header.ToString() : null;
        var isJson = request.HasJsonContentType();
        var call = new ZapiCall(request.Method, action, clientToken, isJson ? await ReadBodyAsync(request, context.RequestAborted) : []);
        calls.Add(call);

        // Z-API documents the refusal of a missing security token ("null not allowed") but not its status, nor what an
        // unknown instance gets; the fake answers 403 and 400 in Z-API's { "error" } shape.
        if (host.Down)
            await FakeHost.WriteBadGatewayAsync(response);
        else if (instanceId != InstanceId || instanceToken != InstanceToken)
            await WriteAsync(response, 400, Error("Instance not found"));
        else if (ClientToken is not null && clientToken != ClientToken)
            await WriteAsync(response, 403, Error($"{clientToken ?? "null"} not allowed"));
        else if (faults.TakeNext(action) is { } fault)
            await WriteFaultAsync(context, fault);
        else
        {
            var (status, answer) = Answer(call, isJson);
            await WriteAsync(response, status, answer);
        }
    }

    (int Status, JsonObject Answer) Answer(ZapiCall call, bool isJson)
    {
        if (!Actions.TryGetValue(call.Action, out var method))
            return (404, Error("Not Found"));
        if (call.HttpMethod != method)
            return (405, Error("Method Not Allowed"));
        if (method != "GET" && !isJson)
            return (415, Error("Unsupported Media Type"));
        return call.Action switch
        {
            "send-text" => SendText(call),
            "status" => (200, Status()),
            "device" => (200, Device()),
            _ => SetReceivedWebhook(call),
        };
    }

    (int, JsonObject) SendText(ZapiCall call)
    {
        // The docs ask for digits only (country code, area code, number) or a group id; the refusal's wording is the fake's.
        if (call.Phone is not { } phone || !Phone().IsMatch(phone))
            return (400, Error("Invalid phone"));
        if (string.IsNullOrEmpty(call.Message))
            return (400, Error("message is required"));
        // zaapId is Z-API's own id, messageId WhatsApp's; the current docs add an id, which the fake fills with the latter.
        var messageId = ZapiWebhooks.NewMessageId();
        lock (gate)
            sentMessageIds.Add(messageId);
        return (200, new JsonObject { ["zaapId"] = Convert.ToHexString(Guid.NewGuid().ToByteArray()), ["messageId"] = messageId, ["id"] = messageId });
    }

    JsonObject Status() => new()
    {
        ["connected"] = Connected,
        ["error"] = Connected ? "You are already connected." : "You are not connected.",
        ["smartphoneConnected"] = Connected && SmartphoneConnected,
    };

    // The docs show device's answer for a connected phone only; the fake leaves the number empty otherwise.
    JsonObject Device() => new()
    {
        ["phone"] = Connected ? ConnectedPhone : "",
        ["imgUrl"] = "",
        ["about"] = "",
        ["name"] = "",
        ["device"] = new JsonObject { ["sessionName"] = "Z-API", ["device_model"] = "Z-API" },
        ["originalDevice"] = "android",
        ["sessionId"] = 175,
        ["isBusiness"] = false,
    };

    (int, JsonObject) SetReceivedWebhook(ZapiCall call)
    {
        if (!Uri.TryCreate(call["value"], UriKind.Absolute, out var url))
            return (400, Error("value must be a URL"));
        lock (gate)
            receivedWebhook = url;
        return (200, new JsonObject { ["value"] = true });
    }

    static async Task WriteFaultAsync(HttpContext context, ChannelFault fault)
    {
        if (fault.Drop)
        {
            context.Abort();
            return;
        }
        if (fault.RetryAfter is { } retryAfter)
            context.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        await WriteAsync(context.Response, fault.Status, Error(fault.Message ?? ReasonPhrases.GetReasonPhrase(fault.Status)));
    }

    static JsonObject Error(string message) => new() { ["error"] = message };

    static async Task WriteAsync(HttpResponse response, int status, JsonObject answer)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        await response.WriteAsync(answer.ToJsonString());
    }

    static (string InstanceId, string InstanceToken, string Action)? ParsePath(string? path) =>
        path?.Trim('/').Split('/') is ["instances", var instanceId, "token", var token, .. var action] && action.Length > 0
            ? (instanceId, token, string.Join('/', action))
            : null;

    static async Task<JsonObject> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: ct) as JsonObject ?? [];
        }
        catch (JsonException)
        {
            return []; // an unreadable body carries no fields; the action then says which one is missing
        }
    }

    [GeneratedRegex(@"^(\d{10,15}|\d{10,20}-(group|\d{10}))$")]
    private static partial Regex Phone();
}
