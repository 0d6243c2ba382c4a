using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Parley.Tests.Hosting;
using Parley.Testing;
using static Parley.Tests.Sessions.SessionApiTests;

namespace Parley.Tests.Sessions;

/// <summary>Requests the session endpoints must refuse, and how they say so.</summary>
public abstract class SessionRequestTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Malformed_json_gets_400_with_a_message_about_json()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync();

        using var response = await parley.Admin.PostAsync(SessionsOf(client),
            new StringContent("""{"tag": "a",""", Encoding.UTF8, "application/json"), Ct);

        var problem = await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("JSON", problem.GetProperty("message").GetString(), StringComparison.Ordinal);
        await AssertNoSessionsAsync(parley, client);
    }

    [Fact]
    public async Task Body_over_1_MiB_gets_413()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync();
        var body = $$"""{"extraContext":"{{new string('x', 1_048_576)}}"}""";

        using var response = await parley.Admin.PostAsync(SessionsOf(client), new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        await ApiAssert.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        await AssertNoSessionsAsync(parley, client);
    }

    [Fact]
    public async Task Body_that_is_not_json_by_content_type_gets_415()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync();

        using var response = await parley.Admin.PostAsync(SessionsOf(client), new StringContent("""{"tag":"a"}""", Encoding.UTF8, "text/plain"), Ct);

        await ApiAssert.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await AssertNoSessionsAsync(parley, client);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer pak_not_the_admin_key_0000000000")]
    [InlineData("Basic cGFybGV5OnBhcmxleQ==")]
    public async Task Missing_or_wrong_admin_key_gets_401_with_code_unauthorized(string? authorization)
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync();
        using var http = new HttpClient { BaseAddress = parley.BaseAddress };
        if (authorization is not null) http.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(authorization);

        await ApiAssert.ProblemAsync(await http.PostAsJsonAsync(SessionsOf(client), new { }, Ct), HttpStatusCode.Unauthorized, "unauthorized");
        await ApiAssert.ProblemAsync(await http.GetAsync(SessionsOf(client), Ct), HttpStatusCode.Unauthorized, "unauthorized");
        await AssertNoSessionsAsync(parley, client);
    }

    [Fact]
    public async Task Session_access_key_is_not_an_admin_key()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        using var http = new HttpClient { BaseAddress = parley.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session.AccessKey);

        await ApiAssert.ProblemAsync(await http.GetAsync(SessionsOf(session.ClientId), Ct), HttpStatusCode.Unauthorized, "unauthorized");
        await ApiAssert.ProblemAsync(await http.GetAsync($"{SessionsOf(session.ClientId)}/{session.SessionId}", Ct), HttpStatusCode.Unauthorized, "unauthorized");
        await ApiAssert.ProblemAsync(await http.PostAsJsonAsync(SessionsOf(session.ClientId), new { }, Ct), HttpStatusCode.Unauthorized, "unauthorized");
        await ApiAssert.ProblemAsync(await http.GetAsync("/api/v1/web-chat-client", Ct), HttpStatusCode.Unauthorized, "unauthorized");
    }

    static async Task AssertNoSessionsAsync(TestParley parley, Guid client)
    {
        var page = await ApiAssert.DataAsync(await parley.Admin.GetAsync(SessionsOf(client), Ct));
        Assert.Equal(0, page.GetProperty("total").GetInt32());
    }
}

public sealed class SessionRequestOnSqlite() : SessionRequestTests(DatabaseKind.Sqlite);

public sealed class SessionRequestOnPostgres() : SessionRequestTests(DatabaseKind.Postgres);
