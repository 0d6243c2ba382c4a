using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Parley.Tests.Hosting;
using Parley.Testing;

namespace Parley.Tests.Api;

/// <summary>One Parley for the class: these requests change nothing that the next case depends on.</summary>
public sealed class BadInputFixture : IAsyncLifetime
{
    public TestParley Parley { get; private set; } = null!;
    public Guid Gateway { get; private set; }
    public Guid Client { get; private set; }
    public CreatedSession Session { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        Gateway = await Parley.CreateGatewayAsync();
        Client = await Parley.CreateChatClientAsync(Gateway);
        Session = await Parley.CreateSessionAsync(Client);
    }

    public async ValueTask DisposeAsync() => await Parley.DisposeAsync();
}

/// <summary>
/// Every 400 says what was wrong and where, in the field paths and words of the JSON the caller sent: no .NET type
/// names, no PascalCase, no rule that contradicts itself.
/// </summary>
public sealed class BadInputTests(BadInputFixture fixture) : IClassFixture<BadInputFixture>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    TestParley Parley => fixture.Parley;
    string Sessions => $"/api/v1/web-chat-client/{fixture.Client}/sessions";

    [Fact]
    public async Task Session_creation_with_no_body_at_all_gets_every_default()
    {
        using var bare = await Parley.Admin.PostAsync(Sessions, null, Ct);
        using var emptyJson = await Parley.Admin.PostAsync(Sessions, new StringContent("", Encoding.UTF8, "application/json"), Ct);

        foreach (var response in new[] { bare, emptyJson })
        {
            var session = await ApiAssert.DataAsync(response);
            Assert.StartsWith("wky_", session.GetProperty("accessKey").GetString());
            var lifetime = session.GetProperty("expiresAt").GetDateTimeOffset() - Parley.Clock.GetUtcNow();
            Assert.InRange(lifetime.TotalSeconds, 3590, 3610);
        }
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"a session\"")]
    [InlineData("42")]
    public async Task Session_creation_body_of_the_wrong_json_kind_says_it_must_be_an_object(string body)
    {
        var problem = await ApiAssert.InvalidAsync(await PostJsonAsync(Sessions, body), "body");

        Assert.Equal("The request body must be a JSON object.", problem.GetProperty("errors").GetProperty("body")[0].GetString());
    }

    [Theory]
    [InlineData("page=abc", "page", "The page parameter must be a whole number; \"abc\" is not.")]
    [InlineData("pageSize=1.5", "pageSize", "The pageSize parameter must be a whole number; \"1.5\" is not.")]
    [InlineData("page=0", "page", "The page field must be between 1 and 2147483647.")]
    public async Task Bad_query_values_name_the_parameter_and_the_rule(string query, string field, string rule)
    {
        var problem = await ApiAssert.InvalidAsync(await Parley.Admin.GetAsync($"{Sessions}?{query}", Ct), field);

        Assert.Equal(rule, problem.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    [Theory]
    [InlineData("""{"temperature":"0.5"}""", "parameters.temperature", "The parameters.temperature field must be a number.")]
    [InlineData("""{"temperature":true}""", "parameters.temperature", "The parameters.temperature field must be a number.")]
    [InlineData("""{"maxCompletionTokens":"50"}""", "parameters.maxCompletionTokens", "The parameters.maxCompletionTokens field must be a whole number.")]
    [InlineData("""{"stop":"END"}""", "parameters.stop", "The parameters.stop field must be a JSON array.")]
    [InlineData("""{"temperature":5}""", "parameters.temperature", "The parameters.temperature field must be between 0 and 2.")]
    [InlineData("""{"stop":["a","b","c","d","e"]}""", "parameters.stop", "The parameters.stop field must have at most 4 items.")]
    [InlineData("""{"modelName":""}""", "parameters.modelName", "The parameters.modelName field is required.")]
    [InlineData("""{"baseAddress":"ftp://models.example/v1"}""", "parameters.baseAddress", "The parameters.baseAddress field must be an absolute http or https URL.")]
    public async Task Gateway_parameters_are_refused_in_the_callers_terms(string parameters, string field, string rule)
    {
        var complete = JsonNode.Parse("""{"baseAddress":"http://127.0.0.1:9/v1","modelName":"m"}""")!.AsObject();
        foreach (var (name, value) in JsonNode.Parse(parameters)!.AsObject()) complete[name] = value?.DeepClone();
        var body = new JsonObject { ["name"] = "Bad", ["parameters"] = complete }.ToJsonString();

        foreach (var response in new[]
        {
            await PostJsonAsync("/api/v1/ai-gateways", body),
            await SendJsonAsync(HttpMethod.Patch, $"/api/v1/ai-gateways/{fixture.Gateway}", $$"""{"parameters":{{parameters}}}"""),
        })
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            var problem = await ApiAssert.InvalidAsync(response, field);
            Assert.Equal(rule, problem.GetProperty("errors").GetProperty(field)[0].GetString());
            Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Nullable", text, StringComparison.Ordinal);
            Assert.DoesNotContain("ftp", problem.GetProperty("message").GetString()!.Replace("ftp://", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Nested_fields_are_named_by_their_whole_path()
    {
        var body = $$"""
            {"name":"x","aiGatewayId":"{{fixture.Gateway}}",
             "clientParameters":{"logoImageUrl":"ftp://a/b.png",
               "suggestionButtons":[{"label":"Hi","prompt":"Hello"},{"label":""} ] },
             "limitingParameters":{"messagesPerHour":"5"} }
            """;

        var problem = await ApiAssert.InvalidAsync(await PostJsonAsync("/api/v1/web-chat-client", body), "limitingParameters.messagesPerHour");
        Assert.Equal("The limitingParameters.messagesPerHour field must be a whole number.",
            problem.GetProperty("errors").GetProperty("limitingParameters.messagesPerHour")[0].GetString());

        var fixedNumber = body.Replace("\"5\"", "5", StringComparison.Ordinal);
        var errors = (await ApiAssert.InvalidAsync(await PostJsonAsync("/api/v1/web-chat-client", fixedNumber), "clientParameters.logoImageUrl"))
            .GetProperty("errors");
        Assert.Equal("The clientParameters.logoImageUrl field must be an absolute http or https URL.",
            errors.GetProperty("clientParameters.logoImageUrl")[0].GetString());
        Assert.Equal("The clientParameters.suggestionButtons[1].label field is required.",
            errors.GetProperty("clientParameters.suggestionButtons[1].label")[0].GetString());
    }

    [Fact]
    public async Task Text_holding_the_nul_character_is_refused_at_its_field_on_every_database()
    {
        var nested = await ApiAssert.InvalidAsync(await PostJsonAsync("/api/v1/web-chat-client",
            $$$"""{"name":"x","aiGatewayId":"{{{fixture.Gateway}}}","clientParameters":{"suggestionButtons":[{"label":"a\u0000b","prompt":"p"}]}}"""),
            "clientParameters.suggestionButtons[0].label");
        Assert.Equal("The clientParameters.suggestionButtons[0].label field must not contain the character U+0000 (NUL).", nested.GetProperty("message").GetString());

        var session = await Parley.CreateSessionAsync(fixture.Client);
        await ApiAssert.InvalidAsync(await PostJsonAsync($"/api/v1/chat/{session.AccessKey}/messages", """{"content":"hi\u0000there"}"""), "content");
    }

    [Fact]
    public async Task A_uuid_field_with_something_else_says_so()
    {
        var problem = await ApiAssert.InvalidAsync(await PostJsonAsync("/api/v1/web-chat-client", """{"name":"x","aiGatewayId":"nope"}"""), "aiGatewayId");

        Assert.StartsWith("The aiGatewayId field must be a UUID", problem.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Invalid_utf8_is_called_invalid_utf8()
    {
        byte[] body = [.. "{\"tag\":\"caf"u8, 0xC3, 0x28, .. "\"}"u8];
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");

        var problem = await ApiAssert.InvalidAsync(await Parley.Admin.PostAsync(Sessions, content, Ct), "tag");

        Assert.Contains("not valid UTF-8", problem.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("sessions", """{"tag":"a","tag":"b"}""", "tag")]
    [InlineData("message", """{"content":"hello","content":"bye"}""", "content")]
    [InlineData("patch", """{"name":"one","name":"two"}""", "name")]
    public async Task Duplicate_properties_are_refused(string route, string body, string property)
    {
        using var response = route switch
        {
            "sessions" => await PostJsonAsync(Sessions, body),
            "message" => await PostJsonAsync($"/api/v1/chat/{fixture.Session.AccessKey}/messages", body, admin: false),
            _ => await SendJsonAsync(HttpMethod.Patch, $"/api/v1/ai-gateways/{fixture.Gateway}", body),
        };

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains($"The {property} property appears more than once", problem.GetProperty("message").GetString());
        Assert.DoesNotContain(Parley.Upstream.Requests, r => r.Messages.Any(m => m.Content == "bye"));
    }

    [Theory]
    [InlineData("""{"expires":"3600"}""", "expires", "The expires field must be a whole number.")]
    [InlineData("""{"expires":3600.5}""", "expires", "The expires field must be a whole number.")]
    [InlineData("""{"tag":""}""", "tag", "The tag field must not be empty; leave it out for a session without a tag.")]
    [InlineData("""{"tag":"   "}""", "tag", "The tag field must not be empty; leave it out for a session without a tag.")]
    [InlineData("""{"expires":60}""", "expires", "The expires field must be between 600 and 7776000 seconds (10 minutes to 90 days).")]
    public async Task Session_fields_are_checked_with_one_rule_each(string body, string field, string rule)
    {
        var problem = await ApiAssert.InvalidAsync(await PostJsonAsync(Sessions, body), field);

        Assert.Equal(rule, problem.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    [Fact]
    public async Task Malformed_json_says_where()
    {
        var problem = await ApiAssert.InvalidAsync(await PostJsonAsync(Sessions, """{"tag": x}"""), "body");

        Assert.Equal("The request body is not valid JSON: 'x' is an invalid start of a value (line 1, byte 9).",
            problem.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Comments_and_trailing_commas_as_in_the_aivax_examples_are_accepted_on_every_route()
    {
        using var gateway = await PostJsonAsync("/api/v1/ai-gateways", $$"""
            {
                // The model configuration.
                "name": "Commented",
                "parameters": { "baseAddress": "{{Parley.Upstream.BaseAddress}}", "modelName": "gpt-4o-mini", /* cheap */ },
            }
            """);
        var gatewayId = (await ApiAssert.DataAsync(gateway, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        using var client = await PostJsonAsync("/api/v1/web-chat-client", $$"""
            { "name": "Commented", "aiGatewayId": "{{gatewayId}}", /* defaults for the rest */ }
            """);
        var clientId = (await ApiAssert.DataAsync(client, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        using var session = await PostJsonAsync($"/api/v1/web-chat-client/{clientId}/sessions", """
            {
                // Optional. Additional context for the AI about the chat.
                "extraContext": "You are talking to Eduardo.",
                // Time in seconds for the chat to expire.
                "expires": 3600,
                "tag": "my-user-tag",
            }
            """);
        var accessKey = (await ApiAssert.DataAsync(session)).GetProperty("accessKey").GetString();
        using var patched = await SendJsonAsync(HttpMethod.Patch, $"/api/v1/ai-gateways/{gatewayId}", """
            { "name": "Renamed", // a better name
            }
            """);
        Assert.Equal("Renamed", (await ApiAssert.DataAsync(patched)).GetProperty("name").GetString());

        using var message = await PostJsonAsync($"/api/v1/chat/{accessKey}/messages", """{ "content": "hi", /* a greeting */ }""", admin: false);
        var reply = await SseResponse.ReadAsync(message, Ct);
        Assert.Equal("done", reply.Last.Type);
    }

    Task<HttpResponseMessage> PostJsonAsync(string path, string body, bool admin = true) => SendJsonAsync(HttpMethod.Post, path, body, admin);

    Task<HttpResponseMessage> SendJsonAsync(HttpMethod method, string path, string body, bool admin = true) =>
        (admin ? Parley.Admin : Parley.Anonymous).SendAsync(
            new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") }, Ct);
}
