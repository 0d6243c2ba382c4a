using System.Net;
using System.Text.Json;

namespace Parley.Tests.Gateways;

/// <summary>What OpenAI SDKs rely on when a <c>/v1/...</c> route fails: OpenAI's own error shape.</summary>
public static class OpenAiAssert
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Checks the status and <c>{ "error": { message, type, code, param } }</c>; returns the error object.</summary>
    public static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(["error"], body.EnumerateObject().Select(p => p.Name));
        var error = body.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()), $"The error has no message: {text}");
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        return error;
    }
}
