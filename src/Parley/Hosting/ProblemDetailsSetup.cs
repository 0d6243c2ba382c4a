using Microsoft.AspNetCore.Http.Features;
using Parley.Api;
using Parley.Gateways;

namespace Parley.Hosting;

public static class ProblemDetailsSetup
{
    /// <summary>
    /// Every error, ours or the framework's, leaves as problem details with <c>message</c>, <c>data</c> and <c>code</c>;
    /// on the OpenAI-compatible /v1 routes, the same in OpenAI's error shape.
    /// </summary>
    public static IServiceCollection AddParleyProblemDetails(this IServiceCollection services) =>
        // The first writer that can write an error writes it, so OpenAI's is registered ahead of the default one.
        services.AddSingleton<IProblemDetailsWriter, OpenAiErrors>().AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var extensions = problem.Extensions;
            problem.Instance ??= context.HttpContext.Request.Path;
            extensions.Remove("traceId");
            if (context.HttpContext.Features.Get<IHttpActivityFeature>()?.Activity is { } activity)
                extensions["traceId"] = activity.TraceId.ToString();

            if (problem is HttpValidationProblemDetails validation && validation.Errors.Count > 0)
            {
                // Fields are named as they are in the JSON the caller sent, in the messages too.
                var errors = validation.Errors.ToDictionary(e => JsonName(e.Key),
                    e => e.Value.Select(message => RequestErrors.InJsonTerms(JsonName(e.Key), message)).ToArray());
                validation.Errors.Clear();
                foreach (var (field, messages) in errors) validation.Errors[field] = messages;
                problem.Detail ??= string.Join(" ", validation.Errors.SelectMany(e => e.Value));
                extensions.TryAdd("code", "invalid_request");
            }

            problem.Detail ??= DefaultDetail(context.HttpContext, problem.Status ?? 500);
            extensions.TryAdd("code", DefaultCode(problem.Status ?? 500));
            extensions["message"] = problem.Detail ?? problem.Title;
            extensions["data"] = null;
        });

    static string JsonName(string path) =>
        string.Join('.', path.Split('.').Select(part => part.Length > 0 ? char.ToLowerInvariant(part[0]) + part[1..] : part));

    static string? DefaultDetail(HttpContext http, int status) => status switch
    {
        413 => $"The request body is larger than the limit of {http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes.",
        415 => "Send the request body as JSON, with Content-Type: application/json.",
        404 => "There is nothing at this address.",
        405 => $"This address does not accept {http.Request.Method}.",
        >= 500 => "Parley failed to handle the request. The error was logged; please try again.",
        _ => null,
    };

    static string DefaultCode(int status) => status switch
    {
        400 => "invalid_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        429 => "rate_limited",
        >= 500 => "internal_error",
        _ => "error",
    };
}
