using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Integrations;
using Parley.Testing;
using Parley.Testing.Channels;
using Parley.Testing.Upstream;
using static Parley.Tests.Integrations.WhatsAppParley;

namespace Parley.Tests.Integrations;

/// <summary>
/// WhatsApp through Z-API, end to end: what a person writing to the number receives, and what the admin API shows.
/// The cases that depend on the database run on both; <see cref="WhatsAppOnSqlite"/> adds the rest.
/// </summary>
public abstract class WhatsAppTests(DatabaseKind kind)
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Conversation_is_answered_through_send_text_and_the_next_message_carries_the_history()
    {
        await using var whatsApp = await StartAsync(kind);
        var integration = whatsApp.Integration;

        Assert.Matches($"^{whatsApp.Parley.BaseAddress}webhooks/zapi/{whatsApp.IntegrationId}/[a-z0-9]{{32}}$", whatsApp.WebhookUrl.ToString());
        Assert.Equal(("zapi", "Z-API instance connected", ZapiWebhooks.ConnectedPhone),
            (integration.GetProperty("type").GetString(), integration.GetProperty("status").GetString(), integration.GetProperty("address").GetString()));
        Assert.All(["instanceId", "instanceToken", "clientToken"], name => Assert.Contains("…", integration.GetProperty(name).GetString()));
        Assert.Equal(FakeZapi.DefaultClientToken, Assert.Single(whatsApp.Zapi.Calls, c => c.Action == "status").ClientToken);

        whatsApp.Parley.Upstream.Enqueue(ScriptedReply.Text("Hi! How", " can I help?"));
        await whatsApp.DeliverAsync(whatsApp.Text("Hello there"));
        var first = await whatsApp.SentAsync(1);
        await whatsApp.DeliverAsync(whatsApp.Text("What did I just say?"));
        var second = await whatsApp.SentAsync(2);

        Assert.Equal(("POST", UserPhone, "Hi! How can I help?"), (first.HttpMethod, first.Phone, first.Message));
        Assert.Equal(FakeZapi.DefaultClientToken, first.ClientToken);
        Assert.InRange(first.DelayTyping ?? 0, 1, 15);
        Assert.Equal("echo: What did I just say?", second.Message);
        Assert.Equal(
            [("user", "Hello there"), ("assistant", "Hi! How can I help?"), ("user", "What did I just say?")],
            whatsApp.Parley.Upstream.Requests[^1].Messages.Where(m => m.Role != "system"));

        var session = Assert.Single((await whatsApp.SessionsAsync()).EnumerateArray());
        Assert.Equal(("whatsapp", 4), (session.GetProperty("channel").GetString(), session.GetProperty("messageCount").GetInt32()));
        var transcript = await whatsApp.Parley.Admin.GetStringAsync(
            $"/api/v1/web-chat-client/{whatsApp.ClientId}/sessions/{session.GetProperty("id").GetGuid()}/transcript", Ct);
        Assert.Contains("Hello there", transcript);
        Assert.Contains("Hi! How can I help?", transcript);
        Assert.Contains("What did I just say?", transcript);
    }

    [Fact]
    public async Task Message_delivered_twice_is_answered_once()
    {
        await using var whatsApp = await StartAsync(kind);
        var message = whatsApp.Text("Only once, please");

        await whatsApp.DeliverAsync(message);
        await whatsApp.DeliverAsync(message);
        await whatsApp.SentAsync(1);
        await whatsApp.DeliverAsync(whatsApp.Text("And this"));
        await whatsApp.SentAsync(2);

        Assert.Equal(["echo: Only once, please", "echo: And this"], whatsApp.SendTextCalls.Select(c => c.Message));
        Assert.Equal(2, whatsApp.Parley.Upstream.Requests.Count);
        Assert.Equal(
            [("user", "Only once, please"), ("assistant", "echo: Only once, please"), ("user", "And this")],
            whatsApp.Parley.Upstream.Requests[^1].Messages.Where(m => m.Role != "system"));
    }

    [Fact]
    public async Task Person_of_the_business_writing_from_the_phone_pauses_the_assistant_for_the_takeover_time()
    {
        await using var whatsApp = await StartAsync(kind, settings: new() { ["takeoverMinutes"] = 5 });
        await whatsApp.DeliverAsync(whatsApp.Text("I want to change my order"));
        await whatsApp.SentAsync(1);

        var fromPhone = whatsApp.Text("Hi, this is Ana from the shop. Which order?");
        fromPhone["fromMe"] = true;
        await whatsApp.DeliverAsync(fromPhone);
        await whatsApp.DeliverAsync(whatsApp.Text("Order 4711, thanks Ana"));
        await whatsApp.WaitForStoredMessagesAsync(4);
        Assert.Single(whatsApp.SendTextCalls);

        whatsApp.Parley.Clock.Advance(TimeSpan.FromMinutes(6));
        await whatsApp.DeliverAsync(whatsApp.Text("Are you still there?"));
        var answer = await whatsApp.SentAsync(2);

        Assert.Equal("echo: Are you still there?", answer.Message);
        Assert.Equal(2, whatsApp.Parley.Upstream.Requests.Count);
        Assert.Equal(
            [
                ("user", "I want to change my order"), ("assistant", "echo: I want to change my order"),
                ("assistant", "Hi, this is Ana from the shop. Which order?"), ("user", "Order 4711, thanks Ana"),
                ("user", "Are you still there?"),
            ],
            whatsApp.Parley.Upstream.Requests[^1].Messages.Where(m => m.Role != "system"));
    }

    [Fact]
    public async Task Web_conversation_continues_on_WhatsApp_through_a_wa_me_link_with_the_number()
    {
        await using var whatsApp = await StartAsync(kind);
        var parley = whatsApp.Parley;
        var web = await parley.CreateSessionAsync(whatsApp.ClientId);
        Assert.Equal("echo: My order number is 4711", (await parley.SendAsync(web.AccessKey, "My order number is 4711", Ct)).Text);

        using var continued = await parley.Anonymous.PostAsync($"/api/v1/chat/{web.AccessKey}/continue", null, Ct);
        var data = (await continued.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("data");
        var code = data.GetProperty("code").GetString()!;
        var link = Assert.Single(data.GetProperty("links").EnumerateArray());
        Assert.Equal("zapi", link.GetProperty("type").GetString());
        Assert.Equal($"https://wa.me/{ZapiWebhooks.ConnectedPhone}?text={code}", link.GetProperty("url").GetString());

        await whatsApp.DeliverAsync(whatsApp.Text(code));
        var bound = await whatsApp.SentAsync(1);
        await whatsApp.DeliverAsync(whatsApp.Text("What was my order number?"));
        await whatsApp.SentAsync(2);

        Assert.Equal("Your conversation continues here.", bound.Message);
        Assert.Equal(
            [("user", "My order number is 4711"), ("assistant", "echo: My order number is 4711"), ("user", "What was my order number?")],
            parley.Upstream.Requests[^1].Messages.Where(m => m.Role != "system"));
    }

    [Theory]
    [InlineData("503", 2)]
    [InlineData("429", 30)]
    [InlineData("dropped connection", 2)]
    public async Task Answer_the_channel_could_not_take_is_delivered_once_the_retry_is_due(string outage, int retryAfterSeconds)
    {
        await using var whatsApp = await StartAsync(kind);
        whatsApp.Zapi.FailNext("send-text", outage switch
        {
            "503" => ChannelFault.Error(503),
            "429" => ChannelFault.TooManyRequests(TimeSpan.FromSeconds(retryAfterSeconds)),
            _ => ChannelFault.DropConnection,
        });

        await whatsApp.DeliverAsync(whatsApp.Text("Are you there?"));
        await whatsApp.SentAsync(1);
        await whatsApp.WaitForDeliveryFailureAsync();
        whatsApp.Parley.Clock.Advance(TimeSpan.FromSeconds(retryAfterSeconds - 1));
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
        Assert.Single(whatsApp.SendTextCalls);
        whatsApp.Parley.Clock.Advance(TimeSpan.FromSeconds(2));
        var delivered = await whatsApp.SentAsync(2);

        Assert.Equal((UserPhone, "echo: Are you there?"), (delivered.Phone, delivered.Message));
        Assert.Single(whatsApp.Parley.Upstream.Requests);
    }
}

public sealed class WhatsAppOnPostgres() : WhatsAppTests(DatabaseKind.Postgres);

public sealed class WhatsAppOnSqlite() : WhatsAppTests(DatabaseKind.Sqlite)
{
    const DatabaseKind Kind = DatabaseKind.Sqlite;

    [Fact]
    public async Task Webhook_with_a_wrong_secret_or_an_unknown_integration_gets_404_and_nothing_is_stored()
    {
        await using var whatsApp = await StartAsync(Kind);
        var url = whatsApp.WebhookUrl.ToString();
        var secret = url[(url.LastIndexOf('/') + 1)..];
        var wrongUrl = url[..^secret.Length] + new string('x', secret.Length);

        var wrongSecret = await whatsApp.Zapi.DeliverAsync(new Uri(wrongUrl), whatsApp.Text("one"), Ct);
        var shorterSecret = await whatsApp.Zapi.DeliverAsync(new Uri(url[..^1]), whatsApp.Text("two"), Ct);
        var unknown = await whatsApp.Zapi.DeliverAsync(
            new Uri(whatsApp.Parley.BaseAddress, $"/webhooks/zapi/{Guid.NewGuid()}/{secret}"), whatsApp.Text("three"), Ct);
        using var malformedWithWrongSecret = await PostRawAsync(whatsApp, wrongUrl, "{not json");

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound],
            [wrongSecret, shorterSecret, unknown, malformedWithWrongSecret.StatusCode]);
        Assert.Equal(0, await InboxCountAsync(whatsApp));
        Assert.Empty(whatsApp.Parley.Upstream.Requests);
        Assert.Equal(0, (await whatsApp.SessionsAsync()).GetArrayLength());

        await whatsApp.DeliverAsync(whatsApp.Text("four"));
        Assert.Equal("echo: four", (await whatsApp.SentAsync(1)).Message);
        Assert.Single(whatsApp.SendTextCalls);
    }

    [Fact]
    public async Task Malformed_payload_gets_400_and_is_not_stored()
    {
        await using var whatsApp = await StartAsync(Kind);

        using var response = await PostRawAsync(whatsApp, whatsApp.WebhookUrl.ToString(), "{\"type\": \"ReceivedCallback\", \"phone\": ");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await InboxCountAsync(whatsApp));
    }

    [Fact]
    public async Task Reset_and_usage_answer_in_the_clients_language()
    {
        await using var whatsApp = await StartAsync(Kind, clientParameters: new { languageCode = "pt-BR", debug = true });

        await whatsApp.DeliverAsync(whatsApp.Text("Oi"));
        await whatsApp.SentAsync(1);
        await whatsApp.DeliverAsync(whatsApp.Text("/usage"));
        var usage = await whatsApp.SentAsync(2);
        await whatsApp.DeliverAsync(whatsApp.Text("/reset"));
        var reset = await whatsApp.SentAsync(3);
        await whatsApp.DeliverAsync(whatsApp.Text("Vamos de novo"));
        await whatsApp.SentAsync(4);

        Assert.Equal("Esta conversa usou 10 tokens de entrada e 2 tokens de saída, 12 no total.", usage.Message);
        Assert.Equal("Pronto: esqueci nossa conversa. Em que posso ajudar?", reset.Message);
        Assert.Equal([("user", "Vamos de novo")], whatsApp.Parley.Upstream.Requests[^1].Messages.Where(m => m.Role != "system"));
    }

    [Fact]
    public async Task Usage_is_not_shown_when_the_client_is_not_in_debug_mode()
    {
        await using var whatsApp = await StartAsync(Kind);

        await whatsApp.DeliverAsync(whatsApp.Text("/usage"));

        Assert.Equal("Token usage is not shown in this chat.", (await whatsApp.SentAsync(1)).Message);
        Assert.Empty(whatsApp.Parley.Upstream.Requests);
    }

    [Fact]
    public async Task Messages_sent_in_a_burst_are_answered_as_one_once_the_burst_is_over()
    {
        await using var whatsApp = await StartAsync(Kind, settings: new() { ["debounceMilliseconds"] = 1500 });

        await whatsApp.DeliverAsync(whatsApp.Text("Hi"));
        await whatsApp.DeliverAsync(whatsApp.Text("I have a question"));
        await whatsApp.DeliverAsync(whatsApp.Text("about my invoice"));
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
        Assert.Empty(whatsApp.Parley.Upstream.Requests);
        whatsApp.Parley.Clock.Advance(TimeSpan.FromSeconds(2));
        var answer = await whatsApp.SentAsync(1);

        Assert.Equal("echo: Hi\nI have a question\nabout my invoice", answer.Message);
        Assert.Single(whatsApp.Parley.Upstream.Requests);
        Assert.Single(whatsApp.SendTextCalls);
    }

    [Fact]
    public async Task Long_reply_with_a_code_block_is_sent_as_several_messages_in_order()
    {
        await using var whatsApp = await StartAsync(Kind);
        var markdown = LongReplyWithCode();
        var parts = ChannelFormatting.ToWhatsApp(markdown);
        whatsApp.Parley.Upstream.Enqueue(ScriptedReply.Text(markdown));

        await whatsApp.DeliverAsync(whatsApp.Text("Show me the whole program"));
        await whatsApp.SentAsync(parts.Count);

        Assert.True(parts.Count >= 2, $"The reply should need several messages, it took {parts.Count}.");
        var sent = whatsApp.SendTextCalls;
        Assert.Equal(parts, sent.Select(c => c.Message));
        Assert.All(sent, c => Assert.Equal(UserPhone, c.Phone));
        Assert.All(sent, c => Assert.InRange(c.Message!.Length, 1, 4096));
        Assert.All(sent, c => Assert.True((c.Message!.Split("```").Length - 1) % 2 == 0, "A code block lost one of its fences."));
        Assert.NotNull(sent[0].DelayTyping);
        Assert.All(sent.Skip(1), c => Assert.Null(c.DelayTyping));
        Assert.All(Enumerable.Range(1, 120), line => Assert.Single(sent, c => c.Message!.Contains($"Console.WriteLine(\"line {line}\");", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Answer_cut_by_an_outage_goes_on_from_the_part_that_failed()
    {
        await using var whatsApp = await StartAsync(Kind);
        var markdown = LongReplyWithCode();
        var parts = ChannelFormatting.ToWhatsApp(markdown);
        whatsApp.Parley.Upstream.Enqueue(ScriptedReply.Text(markdown));
        whatsApp.Zapi.FailNext("send-text", ChannelFault.Error(503), after: 1);

        await whatsApp.DeliverAsync(whatsApp.Text("Show me the whole program"));
        await whatsApp.SentAsync(2);
        await whatsApp.WaitForDeliveryFailureAsync();
        whatsApp.Parley.Clock.Advance(TimeSpan.FromSeconds(3));
        await whatsApp.SentAsync(parts.Count + 1);
        await Task.Delay(500, Ct);

        // The second part failed once; the first is not sent again.
        Assert.Equal([parts[0], parts[1], .. parts.Skip(1)], whatsApp.SendTextCalls.Select(c => c.Message));
        Assert.Single(whatsApp.Parley.Upstream.Requests);
    }

    [Fact]
    public async Task Markdown_reply_arrives_in_WhatsApp_formatting()
    {
        await using var whatsApp = await StartAsync(Kind);
        whatsApp.Parley.Upstream.Enqueue(ScriptedReply.Text(
            "## Your order\n\n**Total:** 3 items, ~~$40~~ _$30_.\n\n- Pay at [the portal](https://example.com/pay)\n- Use `CODE30`"));

        await whatsApp.DeliverAsync(whatsApp.Text("What do I owe?"));

        Assert.Equal(
            "*Your order*\n\n*Total:* 3 items, ~$40~ _$30_.\n\n- Pay at the portal (https://example.com/pay)\n- Use `CODE30`",
            (await whatsApp.SentAsync(1)).Message);
    }

    [Fact]
    public async Task Limit_reached_is_explained_in_the_chat_and_the_model_is_not_asked()
    {
        await using var whatsApp = await StartAsync(Kind, limitingParameters: new { messagesPerHour = 1 });

        await whatsApp.DeliverAsync(whatsApp.Text("First question"));
        await whatsApp.SentAsync(1);
        await whatsApp.DeliverAsync(whatsApp.Text("Second question"));
        var refused = await whatsApp.SentAsync(2);

        Assert.StartsWith("You reached the limit of 1 messages per hour. You can write again at ", refused.Message);
        Assert.Single(whatsApp.Parley.Upstream.Requests);
    }

    [Fact]
    public async Task Photo_voice_note_or_document_gets_the_only_text_message()
    {
        await using var whatsApp = await StartAsync(Kind);
        var instance = whatsApp.Zapi.InstanceId;

        await whatsApp.DeliverAsync(ZapiWebhooks.Image(instance, UserPhone, caption: "what is this?"));
        await whatsApp.DeliverAsync(ZapiWebhooks.Audio(instance, UserPhone));
        await whatsApp.DeliverAsync(ZapiWebhooks.Document(instance, UserPhone));
        await whatsApp.SentAsync(3);

        Assert.All(whatsApp.SendTextCalls, c => Assert.Equal("I can only read text messages for now. Please write your question.", c.Message));
        Assert.Empty(whatsApp.Parley.Upstream.Requests);
    }

    [Fact]
    public async Task Groups_channels_status_replies_edits_reactions_and_Parleys_own_messages_are_ignored()
    {
        await using var whatsApp = await StartAsync(Kind);
        var instance = whatsApp.Zapi.InstanceId;
        JsonObject With(string text, string field, JsonNode value)
        {
            var payload = whatsApp.Text(text);
            payload[field] = value;
            return payload;
        }
        var reaction = whatsApp.Text("");
        reaction.Remove("text");
        reaction["reaction"] = new JsonObject { ["value"] = "❤️", ["referencedMessage"] = new JsonObject { ["messageId"] = "3EB0AA" } };
        var ownAnswer = With("An answer Parley sent", "fromMe", true);
        ownAnswer["fromApi"] = true;

        foreach (var ignored in new[]
        {
            ZapiWebhooks.GroupText(instance, "120363019502650977-group", UserPhone, "hi all"),
            With("news", "isNewsletter", true),
            With("to everyone", "broadcast", true),
            With("nice photo", "isStatusReply", true),
            With("edited words", "isEdit", true),
            With("delivered", "type", "MessageStatusCallback"),
            reaction,
            ownAnswer,
        })
        {
            await whatsApp.DeliverAsync(ignored);
        }
        await whatsApp.DeliverAsync(whatsApp.Text("A real question"));
        var answer = await whatsApp.SentAsync(1);

        Assert.Equal("echo: A real question", answer.Message);
        Assert.Equal(1, await InboxCountAsync(whatsApp));
        Assert.Equal([("user", "A real question")], whatsApp.Parley.Upstream.Requests.Single().Messages.Where(m => m.Role != "system"));
        Assert.Single(whatsApp.SendTextCalls);
    }

    [Fact]
    public async Task Own_answer_reported_back_without_fromApi_is_known_by_its_id_and_pauses_nothing()
    {
        await using var whatsApp = await StartAsync(Kind);
        await whatsApp.DeliverAsync(whatsApp.Text("First"));
        var answer = await whatsApp.SentAsync(1);
        await whatsApp.WaitForDeliveredAsync();

        var echo = whatsApp.Text(answer.Message!);
        echo["fromMe"] = true;
        echo["messageId"] = Assert.Single(whatsApp.Zapi.SentMessageIds);
        await whatsApp.DeliverAsync(echo);
        await whatsApp.DeliverAsync(whatsApp.Text("Second"));

        Assert.Equal("echo: Second", (await whatsApp.SentAsync(2)).Message);
        Assert.Equal(2, await InboxCountAsync(whatsApp));
    }

    [Fact]
    public async Task Instance_connected_later_learns_its_number_from_the_first_message()
    {
        await using var whatsApp = await OpenAsync(Kind);
        whatsApp.Zapi.Connected = false;
        await whatsApp.IntegrateAsync();
        var web = await whatsApp.Parley.CreateSessionAsync(whatsApp.ClientId);

        Assert.Equal("Z-API instance not connected to a phone yet: scan the QR code in Z-API", whatsApp.Integration.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, whatsApp.Integration.GetProperty("address").ValueKind);
        Assert.Empty(await ContinuationLinksAsync(whatsApp, web.AccessKey));

        whatsApp.Zapi.Connected = true;
        await whatsApp.DeliverAsync(whatsApp.Text("Hello"));
        var stored = await whatsApp.Parley.Admin.GetFromJsonAsync<JsonElement>(
            $"/api/v1/web-chat-client/{whatsApp.ClientId}/integrations/{whatsApp.IntegrationId}", Ct);

        Assert.Equal(ZapiWebhooks.ConnectedPhone, stored.GetProperty("data").GetProperty("address").GetString());
        Assert.StartsWith($"https://wa.me/{ZapiWebhooks.ConnectedPhone}?text=go-", Assert.Single(await ContinuationLinksAsync(whatsApp, web.AccessKey)));
    }

    [Theory]
    [InlineData("clientToken", HttpStatusCode.BadRequest, "channel_rejected", "Z-API refused the credentials")]
    [InlineData("instanceToken", HttpStatusCode.BadRequest, "channel_rejected", "Z-API does not know this instance")]
    [InlineData("down", HttpStatusCode.BadGateway, "channel_unavailable", "Z-API is unavailable (502 Bad Gateway)")]
    public async Task Credentials_refused_or_Z_API_down_at_creation_store_nothing(string fault, HttpStatusCode status, string code, string message)
    {
        await using var whatsApp = await OpenAsync(Kind);
        whatsApp.Zapi.Down = fault == "down";
        var settings = fault == "down" ? [] : new JsonObject { [fault] = "F0000wrong0000secret0000value" };

        using var response = await whatsApp.PostIntegrationAsync(settings);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var problem = JsonDocument.Parse(body).RootElement;

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.StartsWith(message, problem.GetProperty("message").GetString());
        Assert.DoesNotContain("F0000wrong", body);
        Assert.DoesNotContain(FakeZapi.DefaultInstanceToken, body);
        var list = await whatsApp.Parley.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/web-chat-client/{whatsApp.ClientId}/integrations", Ct);
        Assert.Equal(0, list.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task No_credential_or_webhook_secret_reaches_admin_responses_or_the_log()
    {
        await using var whatsApp = await StartAsync(Kind, arguments:
            ["--Logging:LogLevel:Default=Trace", "--Logging:LogLevel:Microsoft.AspNetCore=Trace", "--Logging:LogLevel:Parley=Trace"]);
        var (parley, zapi) = (whatsApp.Parley, whatsApp.Zapi);
        var webhookUrl = whatsApp.WebhookUrl.ToString();
        var webhookSecret = webhookUrl[(webhookUrl.LastIndexOf('/') + 1)..];
        var integrationPath = $"/api/v1/web-chat-client/{whatsApp.ClientId}/integrations";
        var responses = new List<string> { whatsApp.Integration.GetRawText() };

        await whatsApp.DeliverAsync(whatsApp.Text("Hello"));
        await whatsApp.SentAsync(1);
        await zapi.DeliverAsync(new Uri(webhookUrl[..^webhookSecret.Length] + new string('x', webhookSecret.Length)), whatsApp.Text("guess"), Ct);
        zapi.FailNext("send-text", ChannelFault.Error(403, $"{zapi.ClientToken} not allowed"));
        await whatsApp.DeliverAsync(whatsApp.Text("Again"));
        await whatsApp.SentAsync(2);
        Assert.StartsWith("Could not deliver an answer: Z-API refused the credentials", await whatsApp.WaitForDeliveryFailureAsync());
        responses.Add(await parley.Admin.GetStringAsync($"{integrationPath}/{whatsApp.IntegrationId}", Ct));
        using (var refused = await whatsApp.PostIntegrationAsync(new() { ["clientToken"] = "F" + zapi.ClientToken }))
            responses.Add(await refused.Content.ReadAsStringAsync(Ct));
        using (var replaced = await parley.Admin.PutAsJsonAsync($"{integrationPath}/{whatsApp.IntegrationId}",
            new { type = "zapi", apiBaseAddress = zapi.BaseAddress.ToString(), takeoverMinutes = 10 }, Ct))
            responses.Add(await replaced.Content.ReadAsStringAsync(Ct));
        responses.Add(await parley.Admin.GetStringAsync(integrationPath, Ct));

        Assert.All(responses, body =>
        {
            Assert.DoesNotContain(zapi.InstanceId, body);
            Assert.DoesNotContain(zapi.InstanceToken, body);
            Assert.DoesNotContain(zapi.ClientToken!, body);
            Assert.DoesNotContain(webhookSecret, body.Replace(webhookUrl, "", StringComparison.Ordinal));
        });
        var log = parley.Logs.GetSnapshot();
        Assert.Contains(log, r => r.Category?.StartsWith("System.Net.Http.HttpClient.zapi", StringComparison.Ordinal) == true);
        Assert.Contains(log, r => r.Message.Contains("/webhooks/zapi/", StringComparison.Ordinal));
        Assert.All(log, record =>
        {
            var text = $"{record.Message}\n{record.Exception}\n{string.Join("\n", record.StructuredState ?? [])}";
            Assert.DoesNotContain(zapi.InstanceId, text);
            Assert.DoesNotContain(zapi.InstanceToken, text);
            Assert.DoesNotContain(zapi.ClientToken!, text);
            Assert.DoesNotContain(webhookSecret, text);
        });
    }

    static string LongReplyWithCode()
    {
        var paragraph = string.Join(" ", Enumerable.Repeat("Parley keeps every conversation in order, whatever the channel.", 40));
        var code = string.Join("\n", Enumerable.Range(1, 120).Select(line => $"Console.WriteLine(\"line {line}\");"));
        return $"{paragraph}\n\n```csharp\n{code}\n```\n\n**That is the whole program.**";
    }

    static async Task<List<string>> ContinuationLinksAsync(WhatsAppParley whatsApp, string accessKey)
    {
        using var response = await whatsApp.Parley.Anonymous.PostAsync($"/api/v1/chat/{accessKey}/continue", null, Ct);
        var links = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("data").GetProperty("links");
        return [.. links.EnumerateArray().Select(l => l.GetProperty("url").GetString()!)];
    }

    static Task<HttpResponseMessage> PostRawAsync(WhatsAppParley whatsApp, string url, string body) =>
        whatsApp.Parley.Anonymous.PostAsync(url, new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);

    static async Task<int> InboxCountAsync(WhatsAppParley whatsApp)
    {
        await using var scope = whatsApp.Parley.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDb>().InboundMessages.CountAsync(Ct);
    }
}
