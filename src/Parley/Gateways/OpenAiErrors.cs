using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Parley.Api;

namespace Parley.Gateways;

/// <summary>
/// Every error of the /v1 routes in OpenAI's shape, <c>{ "error": { message, type, code, param } }</c>, so OpenAI
/// SDKs read Parley's errors the way they read OpenAI's. As a problem details writer ahead of the default one it
/// also renders what the framework answers there: the authentication challenge, status code pages (404, 405) and
/// the exception handler (413, 500). The rest of the API keeps problem details.
/// </summary>
public sealed class OpenAiErrors(IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
{
    public const string ModelNotFoundCode = "model_not_found";

    public static ProblemHttpResult ModelNotFound(string? model) => ApiProblem.Create(StatusCodes.Status404NotFound, ModelNotFoundCode,
        $"The model '{model}' is not an AI gateway id of this Parley.");

    public bool CanWrite(ProblemDetailsContext context) => context.HttpContext.Request.Path.StartsWithSegments("/v1");

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        // The same message and code the rest of the API would give, only shaped as OpenAI's.
        options.Value.CustomizeProblemDetails?.Invoke(context);
        var problem = context.ProblemDetails;
        var http = context.HttpContext;
        var status = problem.Status ?? http.Response.StatusCode;
        var code = status == StatusCodes.Status401Unauthorized ? "invalid_api_key"
            : context.Exception is BadHttpRequestException { InnerException: JsonException } ? "invalid_json"
            : problem.Extensions.TryGetValue("code", out var given) && given is string text ? text
            : null;
        var type = status >= 500 ? "api_error" : "invalid_request_error";

        http.Response.StatusCode = status;
        await http.Response.WriteAsJsonAsync(
            new OpenAiErrorBody(new OpenAiError(problem.Detail ?? problem.Title ?? "The request failed.", type, code, null)), http.RequestAborted);
    }
}

public sealed record OpenAiErrorBody(OpenAiError Error);

public sealed record OpenAiError(string Message, string Type, string? Code, string? Param);
