using System.Net;
using Parley.Research;
using Parley.Testing;
using Parley.Testing.Research;
using Parley.Testing.Upstream;

namespace Parley.Tests.Research;

/// <summary>web_search and read_page as a gateway's model calls them: results, failures told as tool errors, and the page reader's address rules.</summary>
public sealed class WebToolsTests
{
    const string Refused = "This address cannot be read: it is a private or local address.";
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static async Task<IReadOnlyDictionary<string, Microsoft.Extensions.AI.AIFunction>> ToolsAsync(TestParley parley, object parameters) =>
        await GatewayTools.ForAsync(parley, await parley.CreateGatewayAsync(parameters), Ct);

    static object Gateway(TestParley parley, object? webSearch = null, bool readPages = false) =>
        new { baseAddress = parley.Upstream.BaseAddress, modelName = "gpt-4o-mini", webSearch, readPages };

    [Fact]
    public async Task A_gateway_gets_the_tools_its_settings_turn_on_and_no_others()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);

        Assert.Empty(await ToolsAsync(parley, Gateway(parley)));
        var both = await ToolsAsync(parley, Gateway(parley, new { provider = "searxng", baseAddress = "http://127.0.0.1:9" }, readPages: true));
        Assert.Equal(["read_page", "web_search"], both.Keys.Order());
        Assert.Contains("current", both["web_search"].Description, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["query"], both["web_search"].JsonSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["url"], both["read_page"].JsonSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task SearXNG_results_come_back_as_hits_from_the_operators_own_instance_on_loopback()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        await using var search = await FakeSearch.StartAsync();
        var tools = await ToolsAsync(parley, Gateway(parley, new { provider = "searxng", baseAddress = search.BaseAddress + "/" }));

        var hits = await tools.SearchAsync("parley release date", Ct);

        Assert.Equal(search.Results.Select(r => new SearchHit(r.Title, r.Url, r.Snippet)), hits);
        var request = Assert.Single(search.Requests);
        Assert.Equal(("GET", "/search", "parley release date", "json"), (request.Method, request.Path, request.Query["q"], request.Query["format"]));
        Assert.Null(request.Authorization);
    }

    [Fact]
    public async Task Brave_and_Tavily_get_their_keys_and_the_result_count_and_answer_in_their_own_shapes()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        await using var search = await FakeSearch.StartAsync();
        const string braveKey = "BSA-brave-key-0123456789", tavilyKey = "tvly-tavily-key-0123456789";
        RunLog.NoteSecret(braveKey);
        RunLog.NoteSecret(tavilyKey);

        var brave = await ToolsAsync(parley, Gateway(parley, new { provider = "brave", baseAddress = search.BaseAddress, apiKey = braveKey, maxResults = 2 }));
        var hits = await brave.SearchAsync("lighthouse keepers", Ct);
        Assert.Equal(search.Results.Take(2).Select(r => new SearchHit(r.Title, r.Url, r.Snippet)), hits); // Brave's <strong> marks are gone
        var request = search.Requests[^1];
        Assert.Equal(("/res/v1/web/search", "lighthouse keepers", "2", braveKey), (request.Path, request.Query["q"], request.Query["count"], request.SubscriptionToken));

        var tavily = await ToolsAsync(parley, Gateway(parley, new { provider = "tavily", baseAddress = search.BaseAddress, apiKey = tavilyKey }));
        Assert.Equal(3, (await tavily.SearchAsync("lighthouse keepers", Ct)).Count);
        request = search.Requests[^1];
        Assert.Equal(("POST", "/search", $"Bearer {tavilyKey}"), (request.Method, request.Path, request.Authorization));
        Assert.Equal("lighthouse keepers", request.Body.GetProperty("query").GetString());
        Assert.Equal(WebSearch.DefaultMaxResults, request.Body.GetProperty("max_results").GetInt32());
    }

    [Fact]
    public async Task A_failing_search_is_a_tool_error_that_names_no_address_and_no_key()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite, "--Research:SearchTimeoutSeconds=1");
        await using var search = await FakeSearch.StartAsync();
        const string key = "BSA-failing-key-0123456789";
        RunLog.NoteSecret(key);
        var tools = await ToolsAsync(parley, Gateway(parley, new { provider = "brave", baseAddress = search.BaseAddress, apiKey = key }));

        async Task<string> FailureAsync()
        {
            var error = await Assert.ThrowsAsync<ResearchToolException>(() => tools.SearchAsync("anything", Ct));
            Assert.DoesNotContain(search.BaseAddress, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(key, error.Message, StringComparison.Ordinal);
            return error.Message;
        }

        search.FailWith = HttpStatusCode.InternalServerError;
        Assert.Equal("The web search is not available right now.", await FailureAsync());
        search.FailWith = HttpStatusCode.Unauthorized;
        Assert.Equal("The web search provider refused Parley's key.", await FailureAsync());
        search.FailWith = null;
        search.Delay = TimeSpan.FromSeconds(3);
        Assert.Equal("The web search took too long to answer.", await FailureAsync());

        search.Delay = TimeSpan.Zero;
        await search.DisposeAsync(); // nothing listens there any more
        Assert.Equal("The web search is not available right now.", await FailureAsync());
    }

    [Fact]
    public async Task A_page_is_read_as_its_article_without_menus_footer_or_scripts_when_the_operator_allows_its_address()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite, "--Research:AllowedPageHosts:0=127.0.0.1");
        await using var pages = await FakePages.StartAsync();
        var tools = await ToolsAsync(parley, Gateway(parley, readPages: true));

        var page = await tools.ReadAsync($"{pages.BaseAddress}/to-article", Ct);

        Assert.Equal($"{pages.BaseAddress}/article", page.Url); // where the redirect led
        Assert.Equal(FakePages.ArticleTitle, page.Title);
        Assert.Contains(FakePages.ArticleSentence, page.Text, StringComparison.Ordinal);
        Assert.Contains("day 6 of the season", page.Text, StringComparison.Ordinal);
        foreach (var noise in new[] { "Careers", "Copyright", "More stories", "tracking", "navy" })
            Assert.DoesNotContain(noise, page.Text, StringComparison.Ordinal);

        var notes = await tools.ReadAsync($"{pages.BaseAddress}/notes.txt", Ct);
        Assert.Equal("Plain notes.\n\nSecond paragraph.", notes.Text);
    }

    [Fact]
    public async Task Pages_that_cannot_be_read_are_tool_errors_saying_why()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite, "--Research:AllowedPageHosts:0=127.0.0.0/8", "--Research:MaxPageBytes=1048576");
        await using var pages = await FakePages.StartAsync();
        var tools = await ToolsAsync(parley, Gateway(parley, readPages: true));

        async Task<string> FailureAsync(string url) =>
            (await Assert.ThrowsAsync<ResearchToolException>(() => tools.ReadAsync(url, Ct))).Message;

        Assert.Equal("The page is too large to read (over 1 MB).", await FailureAsync($"{pages.BaseAddress}/huge"));
        Assert.Equal("This is not a web page or text (it is application/pdf).", await FailureAsync($"{pages.BaseAddress}/report.pdf"));
        Assert.Equal("The page answered 404 Not Found.", await FailureAsync($"{pages.BaseAddress}/missing"));
        Assert.Equal("The page redirects too many times.", await FailureAsync($"{pages.BaseAddress}/loop/0"));
        Assert.Equal("Only full http:// or https:// addresses can be read.", await FailureAsync("file:///etc/passwd"));
        Assert.Equal("Only full http:// or https:// addresses can be read.", await FailureAsync("example.org/page"));
    }

    [Fact]
    public async Task Loopback_metadata_and_private_addresses_are_refused_by_number_by_name_and_in_any_IPv6_form()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        await using var pages = await FakePages.StartAsync();
        var tools = await ToolsAsync(parley, Gateway(parley, readPages: true));
        var port = pages.Port;

        string[] urls =
        [
            $"http://127.0.0.1:{port}/article",
            $"http://localhost:{port}/article",
            $"http://[::1]:{port}/article",
            $"http://[::ffff:127.0.0.1]:{port}/article",
            $"http://0.0.0.0:{port}/article",
            $"http://2130706433:{port}/article",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::ffff:169.254.169.254]/latest/meta-data/",
            "http://10.0.0.1/admin",
            "http://192.168.1.1/",
            "http://[fd00::1]/",
        ];
        foreach (var url in urls)
        {
            var error = await Assert.ThrowsAsync<ResearchToolException>(() => tools.ReadAsync(url, Ct));
            Assert.True(error.Message == Refused, $"{url}: {error.Message}");
        }
        Assert.Equal(0, pages.RequestCount);
    }

    [Fact]
    public async Task A_redirect_to_a_private_address_is_refused_even_from_an_allowed_page()
    {
        await using var byName = await TestParley.StartAsync(DatabaseKind.Sqlite, "--Research:AllowedPageHosts:0=localhost");
        await using var pages = await FakePages.StartAsync();
        var tools = await ToolsAsync(byName, Gateway(byName, readPages: true));

        Assert.Equal(FakePages.ArticleTitle, (await tools.ReadAsync($"http://localhost:{pages.Port}/article", Ct)).Title);
        var toLoopback = await Assert.ThrowsAsync<ResearchToolException>(() => tools.ReadAsync($"http://localhost:{pages.Port}/to-loopback", Ct));
        Assert.Equal(Refused, toLoopback.Message);

        await using var byAddress = await TestParley.StartAsync(DatabaseKind.Sqlite, "--Research:AllowedPageHosts:0=127.0.0.1");
        tools = await ToolsAsync(byAddress, Gateway(byAddress, readPages: true));
        var toMetadata = await Assert.ThrowsAsync<ResearchToolException>(() => tools.ReadAsync($"{pages.BaseAddress}/to-metadata", Ct));
        Assert.Equal(Refused, toMetadata.Message);
    }

    [Fact]
    public async Task In_a_reply_the_model_gets_the_search_results_and_a_refused_page_as_an_error_and_still_answers()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        await using var search = await FakeSearch.StartAsync();
        var gateway = await parley.CreateGatewayAsync(Gateway(parley, new { provider = "searxng", baseAddress = search.BaseAddress }, readPages: true));
        var session = await parley.CreateSessionAsync(await parley.CreateChatClientAsync(gateway));
        parley.Upstream.Enqueue(ScriptedReply.CallTools(new ScriptedToolCall("web_search", """{"query":"parley release"}""")));
        parley.Upstream.Enqueue(ScriptedReply.CallTools(new ScriptedToolCall("read_page", """{"url":"http://169.254.169.254/latest/meta-data/"}""")));
        parley.Upstream.Enqueue(ScriptedReply.Text("Parley 2.0 came out on Monday."));

        var reply = await parley.SendAsync(session.AccessKey, "When did Parley 2.0 come out?", Ct);

        Assert.Equal("done", reply.Last.Type);
        Assert.Equal("Parley 2.0 came out on Monday.", reply.Text);
        Assert.Equal(["read_page", "web_search"], parley.Upstream.Requests[0].Body.GetProperty("tools").EnumerateArray()
            .Select(t => t.GetProperty("function").GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        var answers = parley.Upstream.Requests[^1].Body.GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("role").GetString() == "tool").Select(m => m.GetProperty("content").GetString()!).ToList();
        Assert.Equal(2, answers.Count);
        Assert.Contains("https://example.org/news/parley-2", answers[0], StringComparison.Ordinal);
        Assert.Contains(Refused, answers[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", true), InlineData("10.20.30.40", true), InlineData("172.16.0.1", true), InlineData("172.31.255.255", true)]
    [InlineData("192.168.0.10", true), InlineData("169.254.169.254", true), InlineData("100.64.0.1", true), InlineData("0.0.0.0", true)]
    [InlineData("224.0.0.251", true), InlineData("255.255.255.255", true), InlineData("::1", true), InlineData("::", true)]
    [InlineData("fc00::1", true), InlineData("fd12:3456::1", true), InlineData("fe80::1", true), InlineData("ff02::1", true)]
    [InlineData("::ffff:127.0.0.1", true), InlineData("::ffff:169.254.169.254", true), InlineData("::ffff:192.168.1.1", true)]
    [InlineData("64:ff9b::a9fe:a9fe", true)]
    [InlineData("8.8.8.8", false), InlineData("1.1.1.1", false), InlineData("172.32.0.1", false), InlineData("100.128.0.1", false)]
    [InlineData("2606:4700:4700::1111", false), InlineData("::ffff:8.8.8.8", false), InlineData("64:ff9b::808:808", false)]
    public void Address_rules(string address, bool privateOrLocal) =>
        Assert.Equal(privateOrLocal, PageAddresses.IsPrivateOrLocal(IPAddress.Parse(address)));
}
