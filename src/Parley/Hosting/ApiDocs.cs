using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Parley.Admin;
using Parley.OperatorConsole;

namespace Parley.Hosting;

/// <summary>
/// The OpenAPI document, generated from the code. Besides what the framework derives from the handlers, it describes
/// what clients generated from it must know: the admin key as a bearer scheme, every error a route can answer with
/// Parley's problem-details shape, and the routes that are not handlers (health checks, the real-time hub).
/// </summary>
public static class ApiDocs
{
    const string ProblemSchema = "Problem";
    const string OpenAiErrorSchema = "OpenAiError";

    /// <summary>True when the build's OpenAPI document generator (GetDocument.Insider) runs Parley's entry point.</summary>
    public static bool GeneratingAtBuildTime => System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";

    public static IServiceCollection AddParleyApiDocs(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Parley API",
                Version = "v1",
                Description = "Admin routes take `Authorization: Bearer <admin key>`. Session routes take only the session's access key "
                    + "in the path. JSON responses are `{ message, data }`; errors are problem details with `message`, `data: null` and `code` "
                    + "(every code is listed in docs/api.md). Replies stream as server-sent events: `delta`, `reasoning`, then `done` or `error`.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[AdminKeyAuthentication.SchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The admin key Parley printed on its first run, or PARLEY_ADMIN_KEY.",
            };
            DescribeHealthChecks(document);
            DescribeHub(document);
            return Task.CompletedTask;
        });
        // Strings are read through ApiJson's converter (which refuses U+0000), and a converter hides the type from the
        // schema exporter: say it again, with null where the property may be null.
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonTypeInfo.Type != typeof(string)) return Task.CompletedTask;
            var nullable = context.JsonPropertyInfo is { } property ? property.IsGetNullable : false;
            schema.Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var description = context.Description;
            var needsAdmin = description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any();
            if (needsAdmin)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference(AdminKeyAuthentication.SchemeName, context.Document)] = [],
                });
            }
            // The OpenAI-compatible routes answer errors in OpenAI's own shape, the rest of the API in problem details.
            var openAi = description.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) == true;
            var hasBody = description.ParameterDescriptions.Any(p => p.Source.Id == "Body") || operation.RequestBody is not null;
            var hasQuery = description.ParameterDescriptions.Any(p => p.Source.Id == "Query");
            var hasPathValues = description.ParameterDescriptions.Any(p => p.Source.Id == "Path");
            operation.Responses ??= [];
            if (hasBody || hasQuery) AddProblem(operation, 400, "The request is not valid: `errors` names each field, as a path in the JSON sent, and its rule.");
            if (needsAdmin) AddProblem(operation, 401, "No admin key, or not a valid one.");
            if (hasPathValues || openAi && hasBody) AddProblem(operation, 404, openAi ? "The model is not a gateway id." : "Nothing with this id or access key.");
            if (hasBody)
            {
                AddProblem(operation, 413, "The body is larger than Parley:MaxRequestBodyBytes.");
                AddProblem(operation, 415, "The body is not sent as application/json.");
            }
            if (openAi && hasBody) AddProblem(operation, 502, "The gateway's provider could not be reached, or answered with something that is not a chat completion.");

            // Statuses the handlers declared (409, 410, 429…) get the same schema as the rest.
            foreach (var (status, response) in operation.Responses)
            {
                if (int.TryParse(status, out var code) && code >= 400 && response is OpenApiResponse concrete)
                    concrete.Content = openAi ? OpenAiErrorContent(context.Document!) : ProblemContent(context.Document!);
            }
            return Task.CompletedTask;

            void AddProblem(OpenApiOperation op, int status, string what) =>
                op.Responses!.TryAdd(status.ToString(System.Globalization.CultureInfo.InvariantCulture), new OpenApiResponse { Description = what });
        });
    });

    static Dictionary<string, OpenApiMediaType> ProblemContent(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas.TryAdd(ProblemSchema, Problem());
        return new() { ["application/problem+json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(ProblemSchema, document) } };
    }

    static Dictionary<string, OpenApiMediaType> OpenAiErrorContent(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas.TryAdd(OpenAiErrorSchema, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An error of the OpenAI-compatible routes, in OpenAI's own shape.",
            Required = new HashSet<string> { "error" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["error"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { "message", "type" },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["message"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong, in a sentence." },
                        ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "invalid_request_error or api_error." },
                        ["code"] = Text("A stable code, such as model_not_found or provider_unreachable."),
                        ["param"] = Text("The request field at fault, when there is one."),
                    },
                },
            },
        });
        return new() { ["application/json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(OpenAiErrorSchema, document) } };
    }

    /// <summary>Problem details as Parley writes them: RFC 9457 fields plus the envelope's message and data, and a stable code.</summary>
    static OpenApiSchema Problem() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "An error. `code` is stable (see docs/api.md); `message` is a sentence to show; `errors` names each invalid field.",
        Required = new HashSet<string> { "status", "code", "message" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = Text("A URI that identifies the kind of problem."),
            ["title"] = Text("A short summary of the kind of problem."),
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status." },
            ["detail"] = Text("What went wrong, in a sentence."),
            ["instance"] = Text("The path of the request."),
            ["code"] = Text("A stable code that clients switch on, such as session_expired or invalid_request."),
            ["message"] = Text("The same sentence as detail, where the envelope of a success has its message."),
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object | JsonSchemaType.Null,
                Description = "For invalid_request: each invalid field (a path in the JSON sent, such as parameters.temperature) and its rules.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
            ["limit"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null, Format = "int32", Description = "For limits: the limit reached." },
            ["tokens"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null, Format = "int32", Description = "For input_too_long: the message's length in tokens." },
            ["resetsAt"] = Moment("For hourly_limit_reached and token_budget_spent: when the next message may be sent."),
            ["bits"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null, Format = "int32", Description = "For proof_of_work_required: the leading zero bits the proof must have." },
            ["budget"] = Text("For token_budget_spent: the daily budget spent, session, tag or address."),
            ["operatorMessage"] = Text("For a limit the chat client's operator wrote words for (limitingParameters.limitMessages): what to show the user instead of the client's own text."),
            ["expiredAt"] = Moment("For session_expired: when the session expired."),
            ["traceId"] = Text("The trace of the request, for the server's logs."),
        },
    };

    static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = description };

    static OpenApiSchema Moment(string description) =>
        new() { Type = JsonSchemaType.String | JsonSchemaType.Null, Format = "date-time", Description = description };

    static void DescribeHealthChecks(OpenApiDocument document)
    {
        document.Paths ??= [];
        document.Paths["/healthz"] = HealthCheck("Liveness", "Answers 200 `Healthy` while the process runs.");
        document.Paths["/readyz"] = HealthCheck("Readiness",
            "Answers 200 `Healthy` when the database (and Redis, when several instances share state) answer; 503 `Unhealthy` otherwise.");
    }

    static OpenApiPathItem HealthCheck(string summary, string description) => new()
    {
        Operations = new Dictionary<HttpMethod, OpenApiOperation>
        {
            [HttpMethod.Get] = new()
            {
                Tags = new HashSet<OpenApiTagReference> { new("Health") },
                Summary = summary,
                Description = description,
                Responses = new OpenApiResponses
                {
                    ["200"] = PlainText("Healthy"),
                    ["503"] = PlainText("Unhealthy"),
                },
            },
        },
    };

    static OpenApiResponse PlainText(string example) => new()
    {
        Description = example,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String }, Example = JsonValue.Create(example) },
        },
    };

    /// <summary>The SignalR hub is not a handler the document sees; its contract is written here.</summary>
    static void DescribeHub(OpenApiDocument document)
    {
        document.Paths[SessionEventsHub.Path] = new OpenApiPathItem
        {
            Description = "Real-time session events for operators, over SignalR (WebSockets, server-sent events or long polling).",
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    Tags = new HashSet<OpenApiTagReference> { new("Real-time") },
                    Summary = "SignalR hub of session events",
                    Description = "Connect with a SignalR client to this address, with the admin key as `Authorization: Bearer <key>` or, "
                        + "where a browser cannot set headers, as the `access_token` query value. Hub methods: `Watch(sessionId)` and "
                        + $"`Unwatch(sessionId)` for one session, `WatchAll()` for every session. Events arrive as `{SessionEvents.Method}` with "
                        + "`{ sessionId, messageId, kind }`, where kind is `reply-started`, `reply-completed` or `reply-failed`.",
                    Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(AdminKeyAuthentication.SchemeName, document)] = [] }],
                    Responses = new OpenApiResponses
                    {
                        ["101"] = new OpenApiResponse { Description = "Switching to the WebSocket protocol." },
                        ["401"] = new OpenApiResponse { Description = "No admin key, or not a valid one.", Content = ProblemContent(document) },
                    },
                },
            },
        };
    }
}
