using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Testing.Channels;

namespace Parley.Tests.Integrations;

public class FakeZapiTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Send_text_records_phone_message_delays_and_client_token_and_answers_the_message_ids()
    {
        await using var zapi = await FakeZapi.StartAsync();
        using var http = new HttpClient();

        using var response = await http.SendAsync(Request(zapi, HttpMethod.Post, "send-text",
            new { phone = "5511999999999", message = "Welcome to *Z-API*", delayMessage = 2, delayTyping = 5 }), Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches("^[0-9A-F]{32}$", body.GetProperty("zaapId").GetString());
        Assert.Matches("^3EB0[0-9A-F]{16}$", body.GetProperty("messageId").GetString());
        Assert.Equal(body.GetProperty("messageId").GetString(), body.GetProperty("id").GetString());
        var call = await zapi.WaitForCallAsync("send-text", 1, TimeSpan.FromSeconds(5));
        Assert.Equal(("POST", "5511999999999", "Welcome to *Z-API*", 2, 5), (call.HttpMethod, call.Phone, call.Message, call.DelayMessage, call.DelayTyping));
        Assert.Equal(FakeZapi.DefaultClientToken, call.ClientToken);
        Assert.Equal([body.GetProperty("messageId").GetString()!], zapi.SentMessageIds);
    }

    [Fact]
    public async Task Status_reports_the_connection_as_the_test_sets_it()
    {
        await using var zapi = await FakeZapi.StartAsync();
        using var http = new HttpClient();

        var connected = await ReadAsync(await http.SendAsync(Request(zapi, HttpMethod.Get, "status"), Ct));
        zapi.SmartphoneConnected = false;
        var phoneOffline = await ReadAsync(await http.SendAsync(Request(zapi, HttpMethod.Get, "status"), Ct));
        zapi.Connected = false;
        var disconnected = await ReadAsync(await http.SendAsync(Request(zapi, HttpMethod.Get, "status"), Ct));

        Assert.Equal("""{"connected":true,"error":"You are already connected.","smartphoneConnected":true}""", connected);
        Assert.Equal("""{"connected":true,"error":"You are already connected.","smartphoneConnected":false}""", phoneOffline);
        Assert.Equal("""{"connected":false,"error":"You are not connected.","smartphoneConnected":false}""", disconnected);
    }

    [Fact]
    public async Task Device_reports_the_connected_phone_number()
    {
        await using var zapi = await FakeZapi.StartAsync();
        using var http = new HttpClient();

        using var response = await http.SendAsync(Request(zapi, HttpMethod.Get, "device"), Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ZapiWebhooks.ConnectedPhone, body.GetProperty("phone").GetString());
        Assert.Equal("Z-API", body.GetProperty("device").GetProperty("sessionName").GetString());
    }

    [Theory]
    [InlineData(null, """{"error":"null not allowed"}""")]
    [InlineData("F-wrong-token", """{"error":"F-wrong-token not allowed"}""")]
    public async Task Missing_or_wrong_client_token_is_refused(string? clientToken, string expected)
    {
        await using var zapi = await FakeZapi.StartAsync();
        using var http = new HttpClient();

        using var response = await http.SendAsync(Request(zapi, HttpMethod.Post, "send-text", new { phone = "5511999999999", message = "hi" }, clientToken), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(expected, await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(clientToken, Assert.Single(zapi.Calls).ClientToken);
    }

    [Fact]
    public async Task Unknown_instance_or_instance_token_is_refused()
    {
        await using var zapi = await FakeZapi.StartAsync();
        using var http = new HttpClient();

        using var wrongToken = await http.SendAsync(Request(zapi, HttpMethod.Get, "status", instanceToken: "0000"), Ct);
        using var wrongInstance = await http.GetAsync(new Uri(zapi.BaseAddress, $"/instances/NOPE/token/{zapi.InstanceToken}/status"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, wrongToken.StatusCode);
        Assert.Equal("""{"error":"Instance not found"}""", await wrongToken.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.BadRequest, wrongInstance.StatusCode);
    }

    [Fact]
    public async Task Account_without_a_security_token_takes_requests_without_the_header()
    {
        await using var zapi = await FakeZapi.StartAsync(clientToken: null);
        using var http = new HttpClient();

        using var response = await http.SendAsync(Request(zapi, HttpMethod.Get, "status", clientToken: null), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("+55 11 99999-9999", "hi")]
    [InlineData("5511999999999", "")]
    public async Task Send_text_refuses_a_formatted_phone_or_an_empty_message(string phone, string message)
    {
        await using var zapi = await FakeZapi.StartAsync();
        using var http = new HttpClient();

        using var response = await http.SendAsync(Request(zapi, HttpMethod.Post, "send-text", new { phone, message }), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).TryGetProperty("error", out _));
    }

    [Fact]
    public async Task Send_text_to_a_group_id_is_accepted()
    {
        await using var zapi = await FakeZapi.StartAsync();
        using var http = new HttpClient();

        using var response = await http.SendAsync(Request(zapi, HttpMethod.Post, "send-text", new { phone = "120363019502650977-group", message = "hi all" }), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Wrong_method_gets_405_a_body_that_is_not_json_415_and_an_unknown_action_404()
    {
        await using var zapi = await FakeZapi.StartAsync();
        using var http = new HttpClient();

        using var get = await http.SendAsync(Request(zapi, HttpMethod.Get, "send-text"), Ct);
        var form = Request(zapi, HttpMethod.Post, "send-text");
        form.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["phone"] = "5511999999999", ["message"] = "hi" });
        using var formPost = await http.SendAsync(form, Ct);
        using var unknown = await http.SendAsync(Request(zapi, HttpMethod.Post, "send-telepathy", new { }), Ct);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, formPost.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Too_many_requests_carries_a_retry_after_header()
    {
        await using var zapi = await FakeZapi.StartAsync();
        using var http = new HttpClient();
        zapi.FailNext("send-text", ChannelFault.TooManyRequests(TimeSpan.FromSeconds(3)));

        using var limited = await http.SendAsync(Request(zapi, HttpMethod.Post, "send-text", new { phone = "5511999999999", message = "hi" }), Ct);
        using var next = await http.SendAsync(Request(zapi, HttpMethod.Post, "send-text", new { phone = "5511999999999", message = "hi" }), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), limited.Headers.RetryAfter?.Delta);
        Assert.Equal("""{"error":"Too Many Requests"}""", await limited.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Scripted_server_errors_and_a_dropped_connection_fail_the_next_requests_only()
    {
        await using var zapi = await FakeZapi.StartAsync();
        using var http = new HttpClient();
        zapi.FailNext("status", ChannelFault.Error(503), times: 2);
        zapi.FailNext("send-text", ChannelFault.DropConnection);

        using var first = await http.SendAsync(Request(zapi, HttpMethod.Get, "status"), Ct);
        using var second = await http.SendAsync(Request(zapi, HttpMethod.Get, "status"), Ct);
        using var third = await http.SendAsync(Request(zapi, HttpMethod.Get, "status"), Ct);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.SendAsync(Request(zapi, HttpMethod.Post, "send-text", new { phone = "5511999999999", message = "hi" }), Ct));

        Assert.Equal([HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK], [first.StatusCode, second.StatusCode, third.StatusCode]);
        Assert.Equal("""{"error":"Service Unavailable"}""", await first.Content.ReadAsStringAsync(Ct));
        Assert.Equal("send-text", zapi.Calls[^1].Action);
    }

    [Fact]
    public async Task Fault_scripted_after_some_calls_lets_those_through_first()
    {
        await using var zapi = await FakeZapi.StartAsync();
        using var http = new HttpClient();
        zapi.FailNext("send-text", ChannelFault.Error(503), after: 1);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await http.SendAsync(Request(zapi, HttpMethod.Post, "send-text", new { phone = "5511999999999", message = $"part {i}" }), Ct);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK], statuses);
    }

    [Fact]
    public async Task Down_api_answers_a_proxy_page_and_a_stopped_one_refuses_until_it_starts_again_on_the_same_port()
    {
        await using var zapi = await FakeZapi.StartAsync();
        using var http = new HttpClient();
        var address = zapi.BaseAddress;

        zapi.Down = true;
        using var down = await http.SendAsync(Request(zapi, HttpMethod.Get, "status"), Ct);
        zapi.Down = false;
        await zapi.StopAsync();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => http.SendAsync(Request(zapi, HttpMethod.Get, "status"), Ct));
        await zapi.StartAgainAsync();
        using var back = await http.SendAsync(Request(zapi, HttpMethod.Get, "status"), Ct);

        Assert.Equal(HttpStatusCode.BadGateway, down.StatusCode);
        Assert.Equal("text/html", down.Content.Headers.ContentType?.MediaType);
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(refused.InnerException).SocketErrorCode);
        Assert.Equal(address, zapi.BaseAddress);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }

    [Fact]
    public void Text_payload_carries_the_fields_of_the_documented_example()
    {
        var built = ZapiWebhooks.Text(FakeZapi.DefaultInstanceId, "5544999999999", "test", senderName: "name");
        var documented = JsonNode.Parse(DocumentedTextExample)!.AsObject();

        // The documented text example lacks three attributes the page's other examples and its attribute table show.
        Assert.Equal(Names(documented).Union(["isNewsletter", "forwarded", "fromApi"]).Order(), Names(built).Order());
        Assert.Equal(["message"], Names(built["text"]!.AsObject()));
        Assert.All(["type", "phone", "status", "chatName", "senderName", "connectedPhone"],
            name => Assert.Equal(documented[name]!.GetValue<string>(), built[name]!.GetValue<string>()));
        Assert.All(["isStatusReply", "waitingMessage", "isEdit", "isGroup", "fromMe", "broadcast"],
            name => Assert.False(built[name]!.GetValue<bool>()));
        Assert.Equal(FakeZapi.DefaultInstanceId, built["instanceId"]!.GetValue<string>());
        Assert.InRange(built["momment"]!.GetValue<long>(), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void Media_and_group_payloads_carry_the_documented_fields()
    {
        var image = ZapiWebhooks.Image("i", "5544999999999", caption: "look")["image"]!.AsObject();
        var audio = ZapiWebhooks.Audio("i", "5544999999999")["audio"]!.AsObject();
        var document = ZapiWebhooks.Document("i", "5544999999999", "nome.pdf")["document"]!.AsObject();
        var group = ZapiWebhooks.GroupText("i", "120363019502650977-group", "5544988887777", "hi all");

        Assert.Equal(["caption", "downloadError", "height", "imageUrl", "mimeType", "thumbnailUrl", "viewOnce", "width"], Names(image).Order());
        Assert.Equal("look", image["caption"]!.GetValue<string>());
        Assert.Equal(["audioUrl", "mimeType", "ptt", "seconds", "viewOnce"], Names(audio).Order());
        Assert.Equal(["documentUrl", "fileName", "mimeType", "pageCount", "title"], Names(document).Order());
        Assert.Equal(("nome", "application/pdf"), (document["title"]!.GetValue<string>(), document["mimeType"]!.GetValue<string>()));
        Assert.True(group["isGroup"]!.GetValue<bool>());
        Assert.Equal(("120363019502650977-group", "5544988887777"), (group["phone"]!.GetValue<string>(), group["participantPhone"]!.GetValue<string>()));
        Assert.NotEqual(ZapiWebhooks.Text("i", "5544988887777", "x")["senderLid"]!.GetValue<string>(), ZapiWebhooks.Text("i", "5544977776666", "x")["senderLid"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deliver_posts_the_payload_as_json_with_no_secret_header_to_the_url_as_given()
    {
        await using var zapi = await FakeZapi.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = 204;
        var payload = ZapiWebhooks.Text(zapi.InstanceId, "5511988887777", "oi");

        var status = await zapi.DeliverAsync(receiver.Url("/integrations/whatsapp/s3cret?x=1"), payload, Ct);

        Assert.Equal(HttpStatusCode.NoContent, status);
        var delivery = Assert.Single(receiver.Received);
        Assert.Equal("/integrations/whatsapp/s3cret?x=1", delivery.Path);
        Assert.Equal("application/json", delivery.Headers["Content-Type"]);
        Assert.False(delivery.Headers.ContainsKey("Client-Token"));
        Assert.Equal(payload.ToJsonString(), delivery.Body);
    }

    [Fact]
    public async Task Received_webhook_set_through_the_api_is_where_deliveries_go()
    {
        await using var zapi = await FakeZapi.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        using var http = new HttpClient();
        var url = receiver.Url("/hook/abc");

        using var set = await http.SendAsync(Request(zapi, HttpMethod.Put, "update-webhook-received", new { value = url.ToString() }), Ct);
        await zapi.DeliverAsync(ZapiWebhooks.Audio(zapi.InstanceId, "5511988887777"), Ct);

        Assert.Equal("""{"value":true}""", await set.Content.ReadAsStringAsync(Ct));
        Assert.Equal(url, zapi.ReceivedWebhook);
        Assert.Equal("/hook/abc", Assert.Single(receiver.Received).Path);
    }

    [Fact]
    public async Task WaitForCallAsync_returns_the_nth_request_for_an_action_and_times_out_when_it_never_comes()
    {
        await using var zapi = await FakeZapi.StartAsync();
        using var http = new HttpClient();

        (await http.SendAsync(Request(zapi, HttpMethod.Post, "send-text", new { phone = "5511999999999", message = "one" }), Ct)).Dispose();
        (await http.SendAsync(Request(zapi, HttpMethod.Get, "status"), Ct)).Dispose();
        (await http.SendAsync(Request(zapi, HttpMethod.Post, "send-text", new { phone = "5511999999999", message = "two" }), Ct)).Dispose();

        Assert.Equal("two", (await zapi.WaitForCallAsync("send-text", 2, TimeSpan.FromSeconds(5))).Message);
        await Assert.ThrowsAsync<TimeoutException>(() => zapi.WaitForCallAsync("send-text", 3, TimeSpan.FromMilliseconds(100)));
    }

    // developer.z-api.io, webhooks/on-message-received, "Text return example" (its optional text fields left out).
    const string DocumentedTextExample = """
        {
          "isStatusReply": false,
          "senderLid": "81896604192873@lid",
          "connectedPhone": "554499999999",
          "waitingMessage": false,
          "isEdit": false,
          "isGroup": false,
          "instanceId": "A20DA9C0183A2D35A260F53F5D2B9244",
          "messageId": "A20DA9C0183A2D35A260F53F5D2B9244",
          "phone": "5544999999999",
          "fromMe": false,
          "momment": 1632228638000,
          "status": "RECEIVED",
          "chatName": "name",
          "senderPhoto": "https://",
          "senderName": "name",
          "participantPhone": null,
          "participantLid": null,
          "photo": "https://",
          "broadcast": false,
          "type": "ReceivedCallback",
          "text": { "message": "test" }
        }
        """;

    static IEnumerable<string> Names(JsonObject json) => json.Select(p => p.Key);

    static async Task<string> ReadAsync(HttpResponseMessage response)
    {
        using (response)
            return await response.Content.ReadAsStringAsync(Ct);
    }

    static HttpRequestMessage Request(FakeZapi zapi, HttpMethod method, string action, object? body = null,
        string? clientToken = FakeZapi.DefaultClientToken, string? instanceToken = null)
    {
        var request = new HttpRequestMessage(method, new Uri(zapi.BaseAddress, $"/instances/{zapi.InstanceId}/token/{instanceToken ?? zapi.InstanceToken}/{action}"));
        if (body is not null)
            request.Content = JsonContent.Create(body);
        if (clientToken is not null)
            request.Headers.Add("Client-Token", clientToken);
        return request;
    }
}
