using System.Net;
using Parley.Tests.Hosting;
using Parley.Testing;

namespace Parley.Tests.Gateways;

/// <summary>A gateway in use is never deleted, and the refusal names the chat clients that hold it.</summary>
public abstract class GatewayDeleteTests(DatabaseKind kind)
{
    const string Gateways = "/api/v1/ai-gateways";

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Deleting_a_gateway_in_use_is_a_409_that_names_each_chat_client_using_it()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await parley.CreateGatewayAsync();
        var support = await CreateClientAsync(parley, gateway, "Support bot");
        var sales = await CreateClientAsync(parley, gateway, "Sales <b>desk</b>");

        var problem = await ApiAssert.ProblemAsync(await parley.Admin.DeleteAsync($"{Gateways}/{gateway}", Ct), HttpStatusCode.Conflict, "gateway_in_use");

        var message = problem.GetProperty("message").GetString();
        Assert.Contains("\"Support bot\"", message, StringComparison.Ordinal);
        Assert.Contains("\"Sales <b>desk</b>\"", message, StringComparison.Ordinal);
        var users = problem.GetProperty("chatClients").EnumerateArray()
            .Select(c => (c.GetProperty("id").GetGuid(), c.GetProperty("name").GetString())).ToList();
        Assert.Equal([(sales, "Sales <b>desk</b>"), (support, "Support bot")], users);
        await ApiAssert.DataAsync(await parley.Admin.GetAsync($"{Gateways}/{gateway}", Ct));
    }

    [Fact]
    public async Task Once_its_last_chat_client_moves_to_another_gateway_the_gateway_can_be_deleted()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var gateway = await parley.CreateGatewayAsync();
        var other = await parley.CreateGatewayAsync(name: "Other");
        var client = await CreateClientAsync(parley, gateway, "Support bot");

        await ApiAssert.DataAsync(await parley.Admin.PutAsJsonAsync($"/api/v1/web-chat-client/{client}",
            new { name = "Support bot", aiGatewayId = other }, Ct));

        await ApiAssert.DataAsync(await parley.Admin.DeleteAsync($"{Gateways}/{gateway}", Ct));
        await ApiAssert.ProblemAsync(await parley.Admin.DeleteAsync($"{Gateways}/{other}", Ct), HttpStatusCode.Conflict, "gateway_in_use");
    }

    static async Task<Guid> CreateClientAsync(TestParley parley, Guid gateway, string name)
    {
        using var created = await parley.Admin.PostAsJsonAsync("/api/v1/web-chat-client", new { name, aiGatewayId = gateway }, Ct);
        return (await ApiAssert.DataAsync(created, HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }
}

public sealed class GatewayDeleteOnSqlite() : GatewayDeleteTests(DatabaseKind.Sqlite);

public sealed class GatewayDeleteOnPostgres() : GatewayDeleteTests(DatabaseKind.Postgres);
