using System.ClientModel.Primitives;
using System.Globalization;
using Parley.Conversations;

namespace Parley.Gateways;

/// <summary>
/// The SDK's retries (refused connections, 429 and 5xx, all before the first token, with exponential backoff and the
/// provider's Retry-After), within a budget: <paramref name="maxRetries"/> attempts, and no wait longer than
/// <paramref name="longestWait"/>. A connect that timed out is not retried either: a host that drops connection
/// attempts will not answer a second later, and each retry would keep the user waiting another connect timeout.
/// </summary>
public sealed class ProviderRetryPolicy(int maxRetries, TimeSpan longestWait) : ClientRetryPolicy(maxRetries)
{
    protected override bool ShouldRetry(PipelineMessage message, Exception? exception) =>
        WithinBudget(message, exception) && base.ShouldRetry(message, exception);

    protected override async ValueTask<bool> ShouldRetryAsync(PipelineMessage message, Exception? exception) =>
        WithinBudget(message, exception) && await base.ShouldRetryAsync(message, exception);

    bool WithinBudget(PipelineMessage message, Exception? exception) =>
        !ProviderErrors.IsConnectTimeout(exception) && !(AskedWait(message) > longestWait);

    /// <summary>The provider's Retry-After, in seconds or as a date; null when it gave none.</summary>
    static TimeSpan? AskedWait(PipelineMessage message)
    {
        if (message.Response?.Headers.TryGetValue("Retry-After", out var value) != true || value is null) return null;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)) return TimeSpan.FromSeconds(seconds);
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at - DateTimeOffset.UtcNow : null;
    }
}
