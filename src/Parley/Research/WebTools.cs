using System.ComponentModel;
using Microsoft.Extensions.AI;
using Parley.Gateways;

namespace Parley.Research;

/// <summary>
/// The web tools a gateway's settings turn on: <c>web_search</c> with <c>webSearch</c>, <c>read_page</c> with
/// <c>readPages</c>. Their failures are <see cref="ResearchToolException"/>s, told to the model as the tool's result.
/// </summary>
public sealed class WebTools(WebSearch search, PageReader pages, GatewayKeyProtector keys) : IResearchTools
{
    public const string SearchName = "web_search";
    public const string ReadName = "read_page";

    const string SearchDescription =
        "Searches the web. Use it for current facts, recent events, prices, versions, or anything you are not sure of; "
        + "returns titles, links and snippets. Read a result with read_page when the snippet is not enough.";

    const string ReadDescription =
        "Reads a web page and returns its main text (without menus and footers). Give the full http(s) address, "
        + "such as a link from web_search or one the user sent.";

    public Task<IReadOnlyList<AITool>> ForAsync(AiGateway gateway, CancellationToken ct)
    {
        List<AITool> tools = [];
        if (gateway.Parameters.WebSearch is { } settings)
        {
            var apiKey = keys.SearchKey(gateway);
            tools.Add(AIFunctionFactory.Create(
                ([Description("What to search for, as you would type it into a search engine.")] string query, CancellationToken cancellation) =>
                    search.SearchAsync(settings, apiKey, query, cancellation),
                SearchName, SearchDescription));
        }
        if (gateway.Parameters.ReadPages)
        {
            tools.Add(AIFunctionFactory.Create(
                ([Description("The page's full address, starting with http:// or https://.")] string url, CancellationToken cancellation) =>
                    pages.ReadAsync(url, cancellation),
                ReadName, ReadDescription));
        }
        return Task.FromResult<IReadOnlyList<AITool>>(tools);
    }
}
