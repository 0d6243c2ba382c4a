using Microsoft.AspNetCore.Http.HttpResults;

namespace Parley.Api;

/// <summary>
/// Problem details that also carry the envelope's <c>message</c> and <c>data</c>, plus a stable <c>code</c>
/// that pages and integrations switch on.
/// </summary>
public static class ApiProblem
{
    public static ProblemHttpResult Create(int status, string code, string message, IDictionary<string, object?>? extra = null)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = code };
        if (extra is not null)
        {
            foreach (var (key, value) in extra) extensions[key] = value;
        }
        return TypedResults.Problem(statusCode: status, detail: message, extensions: extensions);
    }

    public static ProblemHttpResult NotFound(string what) =>
        Create(StatusCodes.Status404NotFound, "not_found", $"{what} was not found.");

    public static ProblemHttpResult Invalid(string field, string rule) =>
        Create(StatusCodes.Status400BadRequest, "invalid_request", rule,
            new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [rule] } });

    /// <summary>
    /// A 503 written from an exception handler, for a service Parley needs that is out of reach: the problem with its
    /// code, and when to try again.
    /// </summary>
    public static ValueTask<bool> WriteUnavailableAsync(
        IProblemDetailsService problems, HttpContext http, Exception exception, string code, string detail, int retryAfterSeconds)
    {
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Detail = detail,
                Extensions = { ["code"] = code },
            },
        });
    }
}
