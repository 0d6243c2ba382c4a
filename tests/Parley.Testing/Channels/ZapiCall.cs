using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Testing.Channels;

/// <summary>
/// One request <see cref="FakeZapi"/> received: the HTTP method, the action after the instance's path (send-text,
/// status…), the Client-Token header (null when absent) and the JSON body (empty when there was none).
/// </summary>
public sealed record ZapiCall(string HttpMethod, string Action, string? ClientToken, JsonObject Body)
{
    /// <summary>A body field as text: a string as is, any other JSON value as its JSON.</summary>
    public string? this[string name] => Body[name] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        var node => node.ToJsonString(),
    };

    public string? Phone => this["phone"];

    public string? Message => this["message"];

    /// <summary>Seconds Z-API waits before sending (1-15).</summary>
    public int? DelayMessage => Seconds("delayMessage");

    /// <summary>Seconds the contact sees "typing..." before the message arrives (1-15): Z-API's only typing presence.</summary>
    public int? DelayTyping => Seconds("delayTyping");

    int? Seconds(string name) => int.TryParse(this[name], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : null;
}
