using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using Parley.Tests.Hosting;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Tests.Gateways;

/// <summary>The <c>/v1</c> routes as OpenAI SDKs use them: gateways listed as models, and OpenAI's error shape.</summary>
public abstract class OpenAiCompatibilityTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Models_lists_every_gateway_as_a_model_owned_by_parley()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var support = await parley.CreateGatewayAsync(name: "Support model");
        var sales = await parley.CreateGatewayAsync(name: "Sales model");
        var before = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds();

        using var response = await parley.Admin.GetAsync("/v1/models", Ct);
        var list = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("list", list.GetProperty("object").GetString());
        var models = list.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal([support.ToString(), sales.ToString()], models.Select(m => m.GetProperty("id").GetString()));
        Assert.Equal(["Support model", "Sales model"], models.Select(m => m.GetProperty("name").GetString()));
        Assert.All(models, m =>
        {
            Assert.Equal("model", m.GetProperty("object").GetString());
            Assert.Equal("parley", m.GetProperty("owned_by").GetString());
            Assert.InRange(m.GetProperty("created").GetInt64(), before, DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds());
        });
    }

    [Fact]
    public async Task Model_by_id_is_the_gateway_and_an_unknown_id_is_an_openai_404()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await parley.CreateGatewayAsync(name: "Support model");

        var model = await parley.Admin.GetFromJsonAsync<JsonElement>($"/v1/models/{gateway}", Ct);
        using var unknown = await parley.Admin.GetAsync($"/v1/models/{Guid.NewGuid()}", Ct);
        using var notAnId = await parley.Admin.GetAsync("/v1/models/gpt-4o-mini", Ct);

        Assert.Equal((gateway.ToString(), "model", "parley", "Support model"), (model.GetProperty("id").GetString(),
            model.GetProperty("object").GetString(), model.GetProperty("owned_by").GetString(), model.GetProperty("name").GetString()));
        await OpenAiAssert.ErrorAsync(unknown, HttpStatusCode.NotFound, "model_not_found");
        await OpenAiAssert.ErrorAsync(notAnId, HttpStatusCode.NotFound, "model_not_found");
    }

    [Fact]
    public async Task OpenAI_sdk_lists_the_gateways_and_completes_through_one_streamed_and_not()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await parley.CreateGatewayAsync(name: "Support model");
        var openai = new OpenAIClient(new ApiKeyCredential(TestParley.AdminKey), new OpenAIClientOptions { Endpoint = new Uri(parley.BaseAddress, "/v1") });
        parley.Upstream.Enqueue(ScriptedReply.Text("Hello", " there"));
        parley.Upstream.Enqueue(ScriptedReply.Text("Hel", "lo", "!"));

        var models = (await openai.GetOpenAIModelClient().GetModelsAsync(Ct)).Value;
        var chat = openai.GetChatClient(gateway.ToString());
        var whole = (await chat.CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct)).Value;
        var streamed = "";
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: Ct))
            streamed += string.Concat(update.ContentUpdate.Select(p => p.Text));

        var model = Assert.Single(models);
        Assert.Equal((gateway.ToString(), "parley"), (model.Id, model.OwnedBy));
        Assert.Equal("Hello there", whole.Content[0].Text);
        Assert.Equal("Hello!", streamed);
    }

    [Theory]
    [InlineData("no key", HttpStatusCode.Unauthorized, "invalid_api_key")]
    [InlineData("wrong key", HttpStatusCode.Unauthorized, "invalid_api_key")]
    [InlineData("invalid json", HttpStatusCode.BadRequest, "invalid_json")]
    [InlineData("unknown model", HttpStatusCode.NotFound, "model_not_found")]
    [InlineData("unknown route", HttpStatusCode.NotFound, "not_found")]
    [InlineData("wrong method", HttpStatusCode.MethodNotAllowed, "method_not_allowed")]
    [InlineData("body too large", HttpStatusCode.RequestEntityTooLarge, "payload_too_large")]
    [InlineData("not json", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type")]
    public async Task Every_error_of_the_v1_routes_has_the_openai_error_shape(string mistake, HttpStatusCode status, string code)
    {
        await using var parley = await TestParley.StartAsync(kind, "--Parley:MaxRequestBodyBytes=4096");
        using var http = new HttpClient { BaseAddress = parley.BaseAddress };
        if (mistake != "no key")
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", mistake == "wrong key" ? "pak_some_other_key_0123456789" : TestParley.AdminKey);
        var model = Guid.NewGuid();
        var valid = JsonSerializer.Serialize(new { model, messages = new[] { new { role = "user", content = "hi" } } });
        using var request = mistake switch
        {
            "invalid json" => Post("/v1/chat/completions", "{\"model\": ", "application/json"),
            "unknown route" => new HttpRequestMessage(HttpMethod.Get, "/v1/embeddings"),
            "wrong method" => new HttpRequestMessage(HttpMethod.Get, "/v1/chat/completions"),
            "body too large" => Post("/v1/chat/completions", valid.Replace("hi", new string('x', 8000), StringComparison.Ordinal), "application/json"),
            "not json" => Post("/v1/chat/completions", valid, "text/plain"),
            _ => Post("/v1/chat/completions", valid, "application/json"),
        };

        using var response = await http.SendAsync(request, Ct);

        await OpenAiAssert.ErrorAsync(response, status, code);
    }

    [Fact]
    public async Task The_rest_of_the_api_keeps_problem_details()
    {
        await using var parley = await TestParley.StartAsync(kind);

        using var refused = await parley.Anonymous.GetAsync("/api/v1/ai-gateways", Ct);
        using var unknown = await parley.Admin.GetAsync("/api/v1/v1/models", Ct);

        await ApiAssert.ProblemAsync(refused, HttpStatusCode.Unauthorized, "unauthorized");
        await ApiAssert.ProblemAsync(unknown, HttpStatusCode.NotFound, "not_found");
    }

    static HttpRequestMessage Post(string path, string body, string contentType) =>
        new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, contentType) };
}

public sealed class OpenAiCompatibilityOnSqlite() : OpenAiCompatibilityTests(DatabaseKind.Sqlite);

public sealed class OpenAiCompatibilityOnPostgres() : OpenAiCompatibilityTests(DatabaseKind.Postgres);
