using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Parley.ApiClientTests;

/// <summary>
/// Fails any call whose answer the OpenAPI document does not describe: a route it lacks, a status or content type it
/// does not list, or a JSON body that does not match the schema it gives. A generated client believes the document,
/// so the document must tell the truth about every answer.
/// </summary>
public sealed class DocumentedResponses(JsonObject document) : DelegatingHandler(new HttpClientHandler())
{
    readonly ConcurrentDictionary<string, JsonSchema> schemas = new();

    /// <summary>How many answers were checked against the document.</summary>
    public int Checked { get; private set; }

    public static DocumentedResponses Load() =>
        new(JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "openapi", "Parley.json")))!.AsObject());

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var call = $"{request.Method} {request.RequestUri!.AbsolutePath}";
        var operation = Operation(request) ?? throw new DocumentMismatchException($"{call} is not in the API document.");
        var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation["responses"]?[status] is not JsonObject documented)
            throw new DocumentMismatchException($"{call} answered {status}, which the API document does not list for it.");

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not null && documented["content"] is JsonObject content)
        {
            if (content[mediaType] is not JsonObject media)
                throw new DocumentMismatchException($"{call} answered {status} as {mediaType}, which the document does not list.");
            if (mediaType.EndsWith("json", StringComparison.Ordinal) && media["schema"] is JsonObject schema)
            {
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement;
                var result = SchemaOf(schema).Evaluate(body, new EvaluationOptions { OutputFormat = OutputFormat.List });
                if (!result.IsValid)
                {
                    var problems = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                        .Select(d => $"{d.InstanceLocation}: {string.Join("; ", d.Errors!.Values)}");
                    throw new DocumentMismatchException($"{call} answered {status} with a body its schema refuses:\n  "
                        + string.Join("\n  ", problems) + $"\nbody: {body}");
                }
            }
        }
        Checked++;
        return response;
    }

    JsonObject? Operation(HttpRequestMessage request)
    {
        var path = request.RequestUri!.AbsolutePath;
        foreach (var (template, item) in document["paths"]!.AsObject())
        {
            var pattern = "^" + Regex.Replace(Regex.Escape(template), @"\\\{[^}]+}", "[^/]+") + "$";
            if (Regex.IsMatch(path, pattern) && item?[request.Method.Method.ToLowerInvariant()] is JsonObject operation) return operation;
        }
        return null;
    }

    /// <summary>A response schema on its own: the document's component schemas travel with it as $defs.</summary>
    JsonSchema SchemaOf(JsonObject schema) => schemas.GetOrAdd(schema.ToJsonString(), text =>
    {
        var standalone = JsonNode.Parse(text)!.AsObject();
        standalone["$defs"] = document["components"]?["schemas"]?.DeepClone();
        var json = standalone.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
        return JsonSchema.FromText(json);
    });
}

public sealed class DocumentMismatchException(string message) : Exception(message);
