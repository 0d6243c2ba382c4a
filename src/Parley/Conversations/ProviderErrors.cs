using System.ClientModel;
using System.Text.Json;
using Parley.Gateways;

namespace Parley.Conversations;

/// <summary>Turns a provider failure into a code and a message a user can read, never the provider's own words.</summary>
public static class ProviderErrors
{
    public const string UnexpectedCode = "provider_error";
    public const string AuthFailedCode = "provider_auth_failed";
    public const string RejectedCode = "provider_rejected";
    const string UnreachableCode = "provider_unreachable";
    const string UnreachableMessage = "The model provider could not be reached. Please try again.";

    public static (string Code, string Message) Describe(Exception error) => error switch
    {
        // The SDK's retry policy wraps the failure of each attempt; the last one is the one to report.
        AggregateException { InnerExceptions.Count: > 0 } many => Describe(many.InnerExceptions[^1]),
        ProviderTimeoutException timeout => ("provider_timeout", timeout.Message),
        // A malformed chunk surfaces from the SDK as a JsonException.
        ProviderBadResponseException or JsonException =>
            ("provider_bad_response", "The model provider sent an answer Parley could not read. Please try again."),
        ClientResultException { Status: 401 or 403 } =>
            (AuthFailedCode, "The model provider refused Parley's credentials. An operator must check the gateway's API key."),
        ClientResultException { Status: 429 } =>
            ("provider_rate_limited", "The model provider is rate limiting requests. Please try again in a moment."),
        ClientResultException { Status: >= 400 and < 500 } result =>
            (RejectedCode, $"The model provider rejected the request ({result.Status}). Its reason is in Parley's log for the operator."),
        ClientResultException { Status: >= 500 } result =>
            ("provider_unavailable", $"The model provider failed ({result.Status}). Please try again."),
        ClientResultException { InnerException: IOException } or IOException =>
            ("provider_connection_lost", "The connection to the model provider was lost while it was answering."),
        HttpRequestException or ClientResultException => (UnreachableCode, UnreachableMessage),
        _ when IsConnectTimeout(error) => (UnreachableCode, UnreachableMessage),
        _ => (UnexpectedCode, "The model provider returned something Parley could not read."),
    };

    /// <summary>
    /// What the provider itself said, for the operator's log only: it may echo the prompt or account details, so users
    /// get <see cref="Describe"/>'s sentence instead. Keys it echoes are hidden by the log's redaction.
    /// </summary>
    public static string? ProviderSaid(Exception error) => error switch
    {
        AggregateException { InnerExceptions.Count: > 0 } many => ProviderSaid(many.InnerExceptions[^1]),
        ClientResultException { Status: > 0 } result => OneLine(result.Message),
        _ => null,
    };

    // The SDK puts the status on the first line and the provider's message after a blank one.
    static string OneLine(string message)
    {
        var line = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= 2000 ? line : line[..2000] + "…";
    }

    /// <summary>SocketsHttpHandler reports its ConnectTimeout as a cancellation caused by a TimeoutException.</summary>
    public static bool IsConnectTimeout(Exception? error) => error is OperationCanceledException { InnerException: TimeoutException };
}
