using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Parley.Hosting;

/// <summary>
/// Turns the framework's bad-request exceptions (malformed JSON, wrong JSON types, oversized bodies) into problem
/// details that say what was wrong, instead of a bare "Bad Request".
/// </summary>
public sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad) return false;

        var detail = bad switch
        {
            { InnerException: JsonException json } => "The request body is not valid JSON for this endpoint: " + Describe(json),
            _ when bad.Message.Contains("body was not provided", StringComparison.OrdinalIgnoreCase) => "The request needs a JSON body.",
            // Other statuses (413, 415) get their explanation from ProblemDetailsSetup.
            _ => null,
        };

        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = bad.StatusCode, Detail = detail },
        });
    }

    // System.Text.Json's messages name .NET types; keep the part a caller can act on and the JSON path.
    static string Describe(JsonException json)
    {
        var message = json.Message.Split(" Path:", 2)[0];
        if (message.Contains("could not be converted to", StringComparison.Ordinal))
            message = "a value has the wrong type.";
        var path = json.Path is { Length: > 1 } p ? $" (at {p.TrimStart('$').TrimStart('.')})" : "";
        return message + path;
    }
}
