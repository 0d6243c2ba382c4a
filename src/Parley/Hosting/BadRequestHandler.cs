using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Parley.Api;

namespace Parley.Hosting;

/// <summary>
/// Turns the framework's bad-request exceptions (malformed JSON, wrong JSON types, values that do not bind, missing
/// bodies) into problem details that name the field and the rule, instead of a bare "Bad Request".
/// </summary>
public sealed class BadRequestHandler(IProblemDetailsService problems, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad) return false;

        var error = bad.InnerException is JsonException body
            ? RequestErrors.FromJson(body, BodyType(httpContext), json.Value.SerializerOptions)
            : RequestErrors.FromBinding(bad.Message);

        httpContext.Response.StatusCode = bad.StatusCode;
        // Other statuses (413, 415) get their explanation from ProblemDetailsSetup.
        ProblemDetails problem = error is null
            ? new ProblemDetails { Status = bad.StatusCode }
            : new HttpValidationProblemDetails(new Dictionary<string, string[]> { [error.Field] = [error.Rule] }) { Status = bad.StatusCode };
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = problem });
    }

    // The exception handler clears the request's endpoint before handlers run; its feature keeps it.
    static Type? BodyType(HttpContext http) =>
        http.Features.Get<IExceptionHandlerFeature>()?.Endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
}
