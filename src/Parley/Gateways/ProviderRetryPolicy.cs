using System.ClientModel.Primitives;
using Parley.Conversations;

namespace Parley.Gateways;

/// <summary>
/// The SDK's retries (refused connections, 429 and 5xx, all before the first token), except for a connect that timed
/// out: a host that drops connection attempts will not answer a second later, and each retry would keep the user
/// waiting another connect timeout.
/// </summary>
public sealed class ProviderRetryPolicy(int maxRetries) : ClientRetryPolicy(maxRetries)
{
    protected override bool ShouldRetry(PipelineMessage message, Exception? exception) =>
        !ProviderErrors.IsConnectTimeout(exception) && base.ShouldRetry(message, exception);

    protected override ValueTask<bool> ShouldRetryAsync(PipelineMessage message, Exception? exception) =>
        ProviderErrors.IsConnectTimeout(exception) ? ValueTask.FromResult(false) : base.ShouldRetryAsync(message, exception);
}
