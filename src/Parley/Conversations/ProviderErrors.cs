using System.ClientModel;
using Parley.Gateways;

namespace Parley.Conversations;

/// <summary>Turns a provider failure into a code and a message a user can read. Provider keys are never echoed.</summary>
public static class ProviderErrors
{
    public const string UnexpectedCode = "provider_error";
    public const string AuthFailedCode = "provider_auth_failed";
    public const string RejectedCode = "provider_rejected";

    public static (string Code, string Message) Describe(Exception error) => error switch
    {
        // The SDK's retry policy wraps the failure of each attempt; the last one is the one to report.
        AggregateException { InnerExceptions.Count: > 0 } many => Describe(many.InnerExceptions[^1]),
        ProviderTimeoutException timeout => ("provider_timeout", timeout.Message),
        ClientResultException { Status: 401 or 403 } =>
            (AuthFailedCode, "The model provider refused Parley's credentials. An operator must check the gateway's API key."),
        ClientResultException { Status: 429 } =>
            ("provider_rate_limited", "The model provider is rate limiting requests. Please try again in a moment."),
        ClientResultException { Status: >= 400 and < 500 } result =>
            (RejectedCode, $"The model provider rejected the request ({result.Status}): {Brief(result.Message)}"),
        ClientResultException { Status: >= 500 } result =>
            ("provider_unavailable", $"The model provider failed ({result.Status}). Please try again."),
        ClientResultException { InnerException: IOException } or IOException =>
            ("provider_connection_lost", "The connection to the model provider was lost while it was answering."),
        HttpRequestException or ClientResultException =>
            ("provider_unreachable", "The model provider could not be reached. Please try again."),
        OperationCanceledException =>
            ("reply_cancelled", "The reply was stopped before it was complete."),
        _ => (UnexpectedCode, "The model provider returned something Parley could not read."),
    };

    static string Brief(string message)
    {
        var firstLine = message.Split('\n', 2)[0].Trim();
        return firstLine.Length <= 300 ? firstLine : firstLine[..300] + "…";
    }
}
