using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Parley.Tests.Hosting;
using Parley.Testing;

namespace Parley.Tests.Gateways;

public abstract class GatewayApiTests(DatabaseKind kind)
{
    const string ProviderKey = "sk-upstream-secret-123456";
    const string Gateways = "/api/v1/ai-gateways";

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Created_gateway_gets_201_and_its_api_key_is_only_ever_shown_masked()
    {
        await using var parley = await TestParley.StartAsync(kind);

        using var created = await parley.Admin.PostAsJsonAsync(Gateways, new
        {
            name = "Support bot",
            parameters = new { baseAddress = parley.Upstream.BaseAddress, apiKey = ProviderKey, modelName = "gpt-4o-mini", temperature = 0.4 },
        }, Ct);
        var gateway = await ApiAssert.DataAsync(created, HttpStatusCode.Created);
        var id = gateway.GetProperty("id").GetGuid();
        Assert.Equal($"{Gateways}/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("Support bot", gateway.GetProperty("name").GetString());
        Assert.Equal("gpt-4o-mini", gateway.GetProperty("parameters").GetProperty("modelName").GetString());
        Assert.Equal("sk-…3456", gateway.GetProperty("parameters").GetProperty("apiKey").GetString());

        using var one = await parley.Admin.GetAsync($"{Gateways}/{id}", Ct);
        using var list = await parley.Admin.GetAsync(Gateways, Ct);
        Assert.Equal("sk-…3456", (await ApiAssert.DataAsync(one)).GetProperty("parameters").GetProperty("apiKey").GetString());
        var listed = Assert.Single((await ApiAssert.DataAsync(list)).EnumerateArray());
        Assert.Equal(id, listed.GetProperty("id").GetGuid());
        Assert.Equal("sk-…3456", listed.GetProperty("parameters").GetProperty("apiKey").GetString());

        foreach (var response in new[] { created, one, list })
            Assert.DoesNotContain("upstream-secret", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_is_a_json_merge_patch_that_changes_only_what_it_names()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var id = await parley.CreateGatewayAsync(new
        {
            baseAddress = parley.Upstream.BaseAddress,
            apiKey = ProviderKey,
            modelName = "gpt-4o-mini",
            temperature = 0.7,
            systemInstruction = "Be kind.",
        }, name: "Before");

        using var renamed = await PatchAsync(parley, id, """{"name":"After"}""");
        var afterRename = await ApiAssert.DataAsync(renamed);
        Assert.Equal("After", afterRename.GetProperty("name").GetString());
        Assert.Equal(0.7, afterRename.GetProperty("parameters").GetProperty("temperature").GetDouble(), 3);
        Assert.Equal("Be kind.", afterRename.GetProperty("parameters").GetProperty("systemInstruction").GetString());
        Assert.Equal("sk-…3456", afterRename.GetProperty("parameters").GetProperty("apiKey").GetString());
        Assert.DoesNotContain("upstream-secret", await renamed.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // A member set to null is removed, as RFC 7386 says.
        using var retuned = await PatchAsync(parley, id, """{"parameters":{"temperature":1.5,"systemInstruction":null}}""");
        await ApiAssert.DataAsync(retuned);

        var stored = await ApiAssert.DataAsync(await parley.Admin.GetAsync($"{Gateways}/{id}", Ct));
        Assert.Equal("After", stored.GetProperty("name").GetString());
        Assert.Equal(1.5, stored.GetProperty("parameters").GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("parameters").GetProperty("systemInstruction").ValueKind);
        Assert.Equal("gpt-4o-mini", stored.GetProperty("parameters").GetProperty("modelName").GetString());

        using var invalid = await PatchAsync(parley, id, """{"parameters":{"temperature":3}}""");
        await ApiAssert.InvalidAsync(invalid, "parameters.temperature");
    }

    [Fact]
    public async Task Patch_without_apiKey_keeps_the_provider_key_and_a_new_apiKey_replaces_it()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await parley.CreateGatewayAsync();
        var session = await parley.CreateSessionAsync(await parley.CreateChatClientAsync(gateway));
        await parley.SendAsync(session.AccessKey, "one", Ct);
        Assert.Equal($"Bearer {ProviderKey}", parley.Upstream.Requests[^1].Authorization);

        using var renamed = await PatchAsync(parley, gateway, """{"name":"Renamed","parameters":{"temperature":0.1}}""");
        await ApiAssert.DataAsync(renamed);
        Assert.Equal("echo: two", (await parley.SendAsync(session.AccessKey, "two", Ct)).Text);
        Assert.Equal($"Bearer {ProviderKey}", parley.Upstream.Requests[^1].Authorization);
        Assert.Equal(0.1, parley.Upstream.Requests[^1].Body.GetProperty("temperature").GetDouble(), 3);

        using var rotated = await PatchAsync(parley, gateway, """{"parameters":{"apiKey":"sk-rotated-key-987654"}}""");
        Assert.Equal("sk-…7654", (await ApiAssert.DataAsync(rotated)).GetProperty("parameters").GetProperty("apiKey").GetString());
        Assert.Equal("echo: three", (await parley.SendAsync(session.AccessKey, "three", Ct)).Text);
        Assert.Equal("Bearer sk-rotated-key-987654", parley.Upstream.Requests[^1].Authorization);
    }

    [Fact]
    public async Task Delete_is_404_for_an_unknown_gateway_and_409_while_a_chat_client_uses_it()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await parley.CreateGatewayAsync();
        var client = await parley.CreateChatClientAsync(gateway);

        await ApiAssert.ProblemAsync(await parley.Admin.DeleteAsync($"{Gateways}/{Guid.NewGuid()}", Ct), HttpStatusCode.NotFound, "not_found");
        await ApiAssert.ProblemAsync(await parley.Admin.DeleteAsync($"{Gateways}/{gateway}", Ct), HttpStatusCode.Conflict, "gateway_in_use");
        await ApiAssert.DataAsync(await parley.Admin.GetAsync($"{Gateways}/{gateway}", Ct));

        await ApiAssert.DataAsync(await parley.Admin.DeleteAsync($"/api/v1/web-chat-client/{client}", Ct));
        await ApiAssert.DataAsync(await parley.Admin.DeleteAsync($"{Gateways}/{gateway}", Ct));
        await ApiAssert.ProblemAsync(await parley.Admin.GetAsync($"{Gateways}/{gateway}", Ct), HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("""{"modelName":"gpt-4o-mini"}""", "parameters.baseAddress")]
    [InlineData("""{"baseAddress":"not a url","modelName":"gpt-4o-mini"}""", "parameters.baseAddress")]
    [InlineData("""{"baseAddress":"http://127.0.0.1:1/v1","modelName":"gpt-4o-mini","temperature":3}""", "parameters.temperature")]
    [InlineData("""{"baseAddress":"http://127.0.0.1:1/v1","modelName":"gpt-4o-mini","userPromptTemplate":"Answer this"}""", "parameters.userPromptTemplate")]
    public async Task Invalid_parameters_get_400_naming_the_field(string parameters, string field)
    {
        await using var parley = await TestParley.StartAsync(kind);

        using var response = await parley.Admin.PostAsync(Gateways,
            new StringContent($$"""{"name":"Bad","parameters":{{parameters}}}""", Encoding.UTF8, "application/json"), Ct);

        await ApiAssert.InvalidAsync(response, field);
        Assert.Equal(0, (await ApiAssert.DataAsync(await parley.Admin.GetAsync(Gateways, Ct))).GetArrayLength());
    }

    static Task<HttpResponseMessage> PatchAsync(TestParley parley, Guid id, string json)
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/merge-patch+json");
        return parley.Admin.PatchAsync($"{Gateways}/{id}", content, Ct);
    }
}

public sealed class GatewayApiOnSqlite() : GatewayApiTests(DatabaseKind.Sqlite);

public sealed class GatewayApiOnPostgres() : GatewayApiTests(DatabaseKind.Postgres);
