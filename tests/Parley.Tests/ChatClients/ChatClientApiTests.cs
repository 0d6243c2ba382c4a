using System.Net;
using System.Text;
using System.Text.Json;
using Parley.Tests.Hosting;
using Parley.Testing;

namespace Parley.Tests.ChatClients;

public abstract class ChatClientApiTests(DatabaseKind kind)
{
    const string Clients = "/api/v1/web-chat-client";

    static readonly string[] ShopOrigin = ["https://shop.example"];

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Created_client_gets_201_with_the_defaults_filled_in_and_is_listed()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await parley.CreateGatewayAsync();

        using var created = await parley.Admin.PostAsJsonAsync(Clients, new { name = "Help desk", aiGatewayId = gateway }, Ct);
        var client = await ApiAssert.DataAsync(created, HttpStatusCode.Created);
        var id = client.GetProperty("id").GetGuid();

        Assert.Equal($"{Clients}/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(gateway, client.GetProperty("aiGatewayId").GetGuid());
        Assert.Equal("en", client.GetProperty("clientParameters").GetProperty("languageCode").GetString());
        Assert.Equal(0, client.GetProperty("clientParameters").GetProperty("allowedFrameOrigins").GetArrayLength());
        Assert.Equal(20, client.GetProperty("limitingParameters").GetProperty("renewWhenMinutesLeft").GetInt32());
        Assert.Equal(20, client.GetProperty("limitingParameters").GetProperty("renewByMinutes").GetInt32());

        var fetched = await ApiAssert.DataAsync(await parley.Admin.GetAsync($"{Clients}/{id}", Ct));
        Assert.Equal("Help desk", fetched.GetProperty("name").GetString());
        Assert.Equal("en", fetched.GetProperty("clientParameters").GetProperty("languageCode").GetString());
        var listed = Assert.Single((await ApiAssert.DataAsync(await parley.Admin.GetAsync(Clients, Ct))).EnumerateArray());
        Assert.Equal(id, listed.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Put_replaces_the_whole_client_and_is_404_for_an_unknown_one()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var first = await parley.CreateGatewayAsync();
        var second = await parley.CreateGatewayAsync(name: "Second");
        var id = await parley.CreateChatClientAsync(first,
            clientParameters: new { pageTitle = "Old title", primaryColor = "#1f6feb" }, limitingParameters: new { maxMessages = 10 });

        using var replaced = await parley.Admin.PutAsJsonAsync($"{Clients}/{id}", new
        {
            name = "Renamed",
            aiGatewayId = second,
            clientParameters = new { languageCode = "pt-BR", allowedFrameOrigins = ShopOrigin },
        }, Ct);
        await ApiAssert.DataAsync(replaced);

        var stored = await ApiAssert.DataAsync(await parley.Admin.GetAsync($"{Clients}/{id}", Ct));
        Assert.Equal("Renamed", stored.GetProperty("name").GetString());
        Assert.Equal(second, stored.GetProperty("aiGatewayId").GetGuid());
        var page = stored.GetProperty("clientParameters");
        Assert.Equal("pt-BR", page.GetProperty("languageCode").GetString());
        Assert.Equal(["https://shop.example"], page.GetProperty("allowedFrameOrigins").EnumerateArray().Select(o => o.GetString()));
        // What the PUT left out is gone, not kept: PUT is a replacement.
        Assert.Equal(JsonValueKind.Null, page.GetProperty("pageTitle").ValueKind);
        Assert.Equal(JsonValueKind.Null, page.GetProperty("primaryColor").ValueKind);
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("limitingParameters").GetProperty("maxMessages").ValueKind);

        using var unknown = await parley.Admin.PutAsJsonAsync($"{Clients}/{Guid.NewGuid()}", new { name = "X", aiGatewayId = first }, Ct);
        await ApiAssert.ProblemAsync(unknown, HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("""{"languageCode":"fr"}""", "clientParameters.languageCode")]
    [InlineData("""{"allowedFrameOrigins":["not an origin"]}""", "clientParameters.allowedFrameOrigins")]
    [InlineData("""{"primaryColor":"red"}""", "clientParameters.primaryColor")]
    public async Task Invalid_client_parameters_get_400_naming_the_field(string clientParameters, string field)
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await parley.CreateGatewayAsync();

        using var response = await parley.Admin.PostAsync(Clients, new StringContent(
            $$"""{"name":"Bad","aiGatewayId":"{{gateway}}","clientParameters":{{clientParameters}}}""", Encoding.UTF8, "application/json"), Ct);

        await ApiAssert.InvalidAsync(response, field);
        Assert.Equal(0, (await ApiAssert.DataAsync(await parley.Admin.GetAsync(Clients, Ct))).GetArrayLength());
    }

    [Fact]
    public async Task Unknown_aiGatewayId_gets_400_naming_it_on_create_and_on_put()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var id = await parley.CreateChatClientAsync();

        using var created = await parley.Admin.PostAsJsonAsync(Clients, new { name = "X", aiGatewayId = Guid.NewGuid() }, Ct);
        using var replaced = await parley.Admin.PutAsJsonAsync($"{Clients}/{id}", new { name = "X", aiGatewayId = Guid.NewGuid() }, Ct);

        await ApiAssert.InvalidAsync(created, "aiGatewayId");
        await ApiAssert.InvalidAsync(replaced, "aiGatewayId");
    }

    [Theory]
    [InlineData("gpt-4o-mini", true)]
    [InlineData("llama3.1:8b", false)]
    public async Task Input_token_limit_applies_only_to_models_whose_tokenizer_is_known(string model, bool applied)
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await parley.CreateGatewayAsync(new { baseAddress = parley.Upstream.BaseAddress, modelName = model });

        using var created = await parley.Admin.PostAsJsonAsync(Clients,
            new { name = "Limited", aiGatewayId = gateway, limitingParameters = new { userInputMaxTokens = 100 } }, Ct);

        var limits = (await ApiAssert.DataAsync(created, HttpStatusCode.Created)).GetProperty("limitsApplied");
        Assert.Equal(applied, limits.GetProperty("userInputMaxTokens").GetBoolean());
        if (applied)
            Assert.Equal(JsonValueKind.Null, limits.GetProperty("note").ValueKind);
        else
            Assert.Contains(model, limits.GetProperty("note").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_a_client_removes_it_and_its_sessions()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        using (var before = await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}", Ct))
            await ApiAssert.DataAsync(before);

        await ApiAssert.DataAsync(await parley.Admin.DeleteAsync($"{Clients}/{session.ClientId}", Ct));

        await ApiAssert.ProblemAsync(await parley.Admin.GetAsync($"{Clients}/{session.ClientId}", Ct), HttpStatusCode.NotFound, "not_found");
        await ApiAssert.ProblemAsync(await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}", Ct), HttpStatusCode.NotFound, "session_not_found");
        await ApiAssert.ProblemAsync(await parley.Admin.DeleteAsync($"{Clients}/{session.ClientId}", Ct), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(0, (await ApiAssert.DataAsync(await parley.Admin.GetAsync(Clients, Ct))).GetArrayLength());
    }
}

public sealed class ChatClientApiOnSqlite() : ChatClientApiTests(DatabaseKind.Sqlite);

public sealed class ChatClientApiOnPostgres() : ChatClientApiTests(DatabaseKind.Postgres);
