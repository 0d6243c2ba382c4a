using System.Text.Json;
using Microsoft.Extensions.AI;
using Parley.Gateways;

namespace Parley.Research;

/// <summary>
/// The tools of a reply: whatever the gateway's configuration gives its model (web search, page reading, MCP
/// servers), run by Microsoft.Extensions.AI's function invocation within the gateway's round limit. A tool that fails
/// is told to the model as an error result, in words safe to show; the reply goes on.
/// </summary>
public sealed partial class ReplyTools(IEnumerable<IResearchTools> sources, ILogger<ReplyTools> logger)
{
    public const int DefaultRounds = 5;
    static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(45);

    /// <summary>The model's client and options for one reply: as they are when the gateway gives no tools.</summary>
    public async Task<(IChatClient Client, ChatOptions Options)> PrepareAsync(IChatClient model, AiGateway gateway, ChatOptions options, CancellationToken ct)
    {
        var tools = new List<AITool>();
        foreach (var source in sources)
        {
            try
            {
                tools.AddRange(await source.ForAsync(gateway, ct));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Tools out of reach leave the model without them; the reply itself still comes.
                LogToolsUnavailable(logger, ex, gateway.Id, source.GetType().Name);
            }
        }
        if (tools.Count == 0) return (model, options);
        options.Tools = tools;
        var invoking = new FunctionInvokingChatClient(model)
        {
            MaximumIterationsPerRequest = gateway.Parameters.MaxToolRounds ?? DefaultRounds,
            // The model is told what failed: only ResearchToolException's words, which are written to be shown.
            IncludeDetailedErrors = true,
            FunctionInvoker = InvokeAsync,
        };
        return (invoking, options);
    }

    async ValueTask<object?> InvokeAsync(FunctionInvocationContext context, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ToolTimeout);
        try
        {
            return await context.Function.InvokeAsync(context.Arguments, timeout.Token);
        }
        catch (ResearchToolException)
        {
            throw;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ResearchToolException($"The tool {context.Function.Name} took too long and was stopped.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogToolFailed(logger, ex, context.Function.Name);
            throw new ResearchToolException($"The tool {context.Function.Name} failed.");
        }
    }

    /// <summary>What the user is shown while a tool runs.</summary>
    public static string Running(string name, IDictionary<string, object?>? arguments) => name switch
    {
        WebTools.SearchName => $"Searching the web for “{Argument(arguments, "query")}”",
        WebTools.ReadName => $"Reading {HostOf(Argument(arguments, "url"))}",
        _ => $"Using {name}",
    };

    /// <summary>What the user is shown when a tool finished: what it found, or what failed.</summary>
    public static string Finished(string name, object? result, Exception? failure)
    {
        if (failure is not null) return failure is ResearchToolException ? failure.Message : $"The tool {name} failed.";
        return name switch
        {
            WebTools.SearchName => SourcesOf(name, result) is { Count: var found } ? $"Found {found} results" : "Searched the web",
            WebTools.ReadName => SourcesOf(name, result) is [var page] ? $"Read “{page.Title}”" : "Read the page",
            _ => $"Used {name}",
        };
    }

    /// <summary>The pages a tool's result names: each search hit, or the page read.</summary>
    public static IReadOnlyList<Source> SourcesOf(string name, object? result)
    {
        if (name is not (WebTools.SearchName or WebTools.ReadName) || result is null) return [];
        var json = result is JsonElement element ? element : JsonSerializer.SerializeToElement(result, JsonSerializerOptions.Web);
        var items = json.ValueKind switch
        {
            JsonValueKind.Array => json.EnumerateArray().ToList(),
            JsonValueKind.Object => [json],
            _ => [],
        };
        var sources = new List<Source>();
        foreach (var item in items)
        {
            if (item.ValueKind != JsonValueKind.Object || !TryString(item, "url", out var url)) continue;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) continue;
            sources.Add(new Source(TryString(item, "title", out var title) && title.Length > 0 ? title : uri.Host, url));
        }
        return sources;
    }

    static bool TryString(JsonElement item, string name, out string value)
    {
        foreach (var property in item.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
            {
                value = property.Value.GetString()!;
                return true;
            }
        }
        value = "";
        return false;
    }

    static string Argument(IDictionary<string, object?>? arguments, string name) =>
        arguments is not null && arguments.TryGetValue(name, out var value) ? value switch
        {
            JsonElement { ValueKind: JsonValueKind.String } text => text.GetString() ?? "",
            null => "",
            _ => value.ToString() ?? "",
        } : "";

    static string HostOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host : "a page";

    [LoggerMessage(Level = LogLevel.Warning, Message = "The tools of gateway {GatewayId} from {Source} could not be listed; the reply goes on without them.")]
    static partial void LogToolsUnavailable(ILogger logger, Exception exception, Guid gatewayId, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The tool {Tool} failed; the model was told so.")]
    static partial void LogToolFailed(ILogger logger, Exception exception, string tool);
}
