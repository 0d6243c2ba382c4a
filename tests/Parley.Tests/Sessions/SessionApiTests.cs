using System.Net;
using System.Text.Json;
using Parley.Tests.Hosting;
using Parley.Testing;

namespace Parley.Tests.Sessions;

public abstract class SessionApiTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Created_session_gets_a_wky_access_key_a_talk_url_and_an_hour_by_default()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync();

        var created = await CreateAsync(parley, client, new { });

        var key = created.GetProperty("accessKey").GetString()!;
        Assert.Matches("^wky_[a-z0-9]{56}$", key);
        Assert.Equal($"{parley.BaseAddress}chat/{key}", created.GetProperty("talkUrl").GetString());
        Assert.Equal(parley.Clock.GetUtcNow().AddSeconds(3600), created.GetProperty("expiresAt").GetDateTimeOffset());
        var chat = await ApiAssert.DataAsync(await parley.Anonymous.GetAsync($"/api/v1/chat/{key}", Ct));
        Assert.Equal(created.GetProperty("sessionId").GetGuid(), chat.GetProperty("sessionId").GetGuid());
        Assert.NotEqual(key, (await CreateAsync(parley, client, new { })).GetProperty("accessKey").GetString());
    }

    [Theory]
    [InlineData(599)]
    [InlineData(7_776_001)]
    public async Task Expires_outside_600_to_7776000_gets_400_naming_the_field(int expires)
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync();

        using var response = await parley.Admin.PostAsJsonAsync(SessionsOf(client), new { expires }, Ct);

        var message = (await ApiAssert.InvalidAsync(response, "expires")).GetProperty("message").GetString();
        Assert.Contains("600", message, StringComparison.Ordinal);
        Assert.Contains("7776000", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(600)]
    [InlineData(7_776_000)]
    public async Task Expires_at_either_end_of_the_range_is_accepted(int expires)
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync();

        var created = await CreateAsync(parley, client, new { expires });

        Assert.Equal(parley.Clock.GetUtcNow().AddSeconds(expires), created.GetProperty("expiresAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Same_tag_while_active_renews_the_session_with_a_new_key_and_the_old_key_keeps_working()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync();
        var first = await CreateAsync(parley, client, new { tag = "order-17", extraContext = "Ana, order 17", expires = 3600 });

        parley.Clock.Advance(TimeSpan.FromMinutes(30));
        var second = await CreateAsync(parley, client, new { tag = "order-17", extraContext = "Ana, order 17, now paid", expires = 7200 });

        var sessionId = first.GetProperty("sessionId").GetGuid();
        Assert.Equal(sessionId, second.GetProperty("sessionId").GetGuid());
        Assert.NotEqual(first.GetProperty("accessKey").GetString(), second.GetProperty("accessKey").GetString());
        Assert.Equal(parley.Clock.GetUtcNow().AddSeconds(7200), second.GetProperty("expiresAt").GetDateTimeOffset());

        var detail = await ApiAssert.DataAsync(await parley.Admin.GetAsync($"{SessionsOf(client)}/{sessionId}", Ct));
        Assert.Equal("Ana, order 17, now paid", detail.GetProperty("extraContext").GetString());
        Assert.Equal(parley.Clock.GetUtcNow().AddSeconds(7200), detail.GetProperty("expiresAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        foreach (var key in new[] { first, second }.Select(s => s.GetProperty("accessKey").GetString()))
        {
            var chat = await ApiAssert.DataAsync(await parley.Anonymous.GetAsync($"/api/v1/chat/{key}", Ct));
            Assert.Equal(sessionId, chat.GetProperty("sessionId").GetGuid());
        }
    }

    [Fact]
    public async Task Same_tag_after_expiry_opens_a_new_session()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync();
        var first = await CreateAsync(parley, client, new { tag = "visitor-9", expires = 600 });

        parley.Clock.Advance(TimeSpan.FromSeconds(601));
        var second = await CreateAsync(parley, client, new { tag = "visitor-9", expires = 600 });

        Assert.NotEqual(first.GetProperty("sessionId").GetGuid(), second.GetProperty("sessionId").GetGuid());
        var tagged = await ApiAssert.DataAsync(await parley.Admin.GetAsync($"{SessionsOf(client)}?tag=visitor-9", Ct));
        Assert.Equal(2, tagged.GetProperty("total").GetInt32());
        var expired = tagged.GetProperty("items").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetGuid(), s => s.GetProperty("expired").GetBoolean());
        Assert.True(expired[first.GetProperty("sessionId").GetGuid()]);
        Assert.False(expired[second.GetProperty("sessionId").GetGuid()]);
    }

    [Fact]
    public async Task Concurrent_creates_with_one_new_tag_end_with_one_session()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            parley.Admin.PostAsJsonAsync(SessionsOf(client), new { tag = "burst" }, Ct)));
        var created = new List<JsonElement>();
        foreach (var response in responses)
        {
            using (response) created.Add(await ApiAssert.DataAsync(response));
        }

        Assert.Single(created.Select(c => c.GetProperty("sessionId").GetGuid()).Distinct());
        Assert.Equal(10, created.Select(c => c.GetProperty("accessKey").GetString()).Distinct().Count());
        var tagged = await ApiAssert.DataAsync(await parley.Admin.GetAsync($"{SessionsOf(client)}?tag=burst", Ct));
        Assert.Equal(1, tagged.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task List_is_paged_and_filters_by_tag()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync();
        var ids = new List<Guid>();
        foreach (var tag in new[] { "a", "b", null })
        {
            ids.Add((await CreateAsync(parley, client, new { tag })).GetProperty("sessionId").GetGuid());
            parley.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var first = await ApiAssert.DataAsync(await parley.Admin.GetAsync($"{SessionsOf(client)}?page=1&pageSize=2", Ct));
        var second = await ApiAssert.DataAsync(await parley.Admin.GetAsync($"{SessionsOf(client)}?page=2&pageSize=2", Ct));

        var listed = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .Select(s => s.GetProperty("id").GetGuid()).ToList();
        Assert.Equal((2, 1), (first.GetProperty("items").GetArrayLength(), second.GetProperty("items").GetArrayLength()));
        Assert.Equal(ids.Order(), listed.Order());
        Assert.Equal((1, 2, 3), (Number(first, "page"), Number(first, "pageSize"), Number(first, "total")));
        Assert.Equal(2, Number(second, "page"));

        var tagged = await ApiAssert.DataAsync(await parley.Admin.GetAsync($"{SessionsOf(client)}?tag=a", Ct));
        Assert.Equal(1, tagged.GetProperty("total").GetInt32());
        var only = Assert.Single(tagged.GetProperty("items").EnumerateArray());
        Assert.Equal((ids[0], "a"), (only.GetProperty("id").GetGuid(), only.GetProperty("tag").GetString()));
    }

    [Fact]
    public async Task Get_shows_the_session_with_its_messages_and_delete_removes_it()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync(request: new { tag = "t", extraContext = "VIP" });
        await parley.SendAsync(session.AccessKey, "hello?", Ct);
        var path = $"{SessionsOf(session.ClientId)}/{session.SessionId}";

        var detail = await ApiAssert.DataAsync(await parley.Admin.GetAsync(path, Ct));
        Assert.Equal((session.SessionId, "t", "VIP"), (detail.GetProperty("id").GetGuid(), detail.GetProperty("tag").GetString(), detail.GetProperty("extraContext").GetString()));
        Assert.Equal([("user", "hello?"), ("assistant", "echo: hello?")], detail.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())));

        await ApiAssert.DataAsync(await parley.Admin.DeleteAsync(path, Ct));
        await ApiAssert.ProblemAsync(await parley.Admin.GetAsync(path, Ct), HttpStatusCode.NotFound, "not_found");
        await ApiAssert.ProblemAsync(await parley.Admin.DeleteAsync(path, Ct), HttpStatusCode.NotFound, "not_found");
        await ApiAssert.ProblemAsync(await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}", Ct), HttpStatusCode.NotFound, "session_not_found");
    }

    [Fact]
    public async Task Unknown_client_gets_404_and_a_session_is_found_only_under_its_own_client()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        var other = await parley.CreateChatClientAsync();
        var unknown = SessionsOf(Guid.NewGuid());

        await ApiAssert.ProblemAsync(await parley.Admin.PostAsJsonAsync(unknown, new { }, Ct), HttpStatusCode.NotFound, "not_found");
        await ApiAssert.ProblemAsync(await parley.Admin.GetAsync(unknown, Ct), HttpStatusCode.NotFound, "not_found");
        await ApiAssert.ProblemAsync(await parley.Admin.GetAsync($"{SessionsOf(other)}/{session.SessionId}", Ct), HttpStatusCode.NotFound, "not_found");
        await ApiAssert.ProblemAsync(await parley.Admin.DeleteAsync($"{SessionsOf(other)}/{session.SessionId}", Ct), HttpStatusCode.NotFound, "not_found");
        await ApiAssert.DataAsync(await parley.Admin.GetAsync($"{SessionsOf(session.ClientId)}/{session.SessionId}", Ct));
    }

    static int Number(JsonElement page, string field)
    {
        Assert.True(page.TryGetProperty(field, out var value), $"The page has no '{field}' field: {page}");
        return value.GetInt32();
    }

    internal static string SessionsOf(Guid client) => $"/api/v1/web-chat-client/{client}/sessions";

    static async Task<JsonElement> CreateAsync(TestParley parley, Guid client, object request)
    {
        using var response = await parley.Admin.PostAsJsonAsync(SessionsOf(client), request, Ct);
        return await ApiAssert.DataAsync(response);
    }
}

public sealed class SessionApiOnSqlite() : SessionApiTests(DatabaseKind.Sqlite);

public sealed class SessionApiOnPostgres() : SessionApiTests(DatabaseKind.Postgres);
