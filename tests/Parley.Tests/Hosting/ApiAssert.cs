using System.Net;
using System.Text.Json;

namespace Parley.Tests.Hosting;

/// <summary>What every client of the admin API relies on: the <c>{ message, data }</c> envelope and problem details with a code.</summary>
public static class ApiAssert
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Checks the status and returns the envelope's <c>data</c>.</summary>
    public static async Task<JsonElement> DataAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.True(body.TryGetProperty("message", out _), $"The envelope has no message: {body}");
        return body.GetProperty("data");
    }

    /// <summary>Checks a problem response: status, problem+json, a readable <c>message</c>, <c>data: null</c> and the code.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("message").GetString()), $"The problem has no message: {text}");
        Assert.Equal(JsonValueKind.Null, problem.GetProperty("data").ValueKind);
        return problem;
    }

    /// <summary>A 400 whose <c>errors</c> names the field as the caller spelled it in JSON.</summary>
    public static async Task<JsonElement> InvalidAsync(HttpResponseMessage response, string field)
    {
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        var named = problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
            && errors.TryGetProperty(field, out _);
        Assert.True(named, $"The errors should name '{field}': {problem}");
        return problem;
    }

    /// <summary>A response header, wherever HttpClient filed it (response or content headers); null when absent.</summary>
    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;
}
