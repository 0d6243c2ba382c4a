using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Parley.Gateways;

/// <summary>
/// Fails a stream that takes too long to start or goes silent between tokens. An overall deadline would cut off
/// long but healthy replies, so each token resets the clock.
/// </summary>
public sealed class StreamTimeoutChatClient(IChatClient inner, TimeSpan firstToken, TimeSpan idle) : DelegatingChatClient(inner)
{
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(firstToken);
        var started = false;

        await using var updates = base.GetStreamingResponseAsync(messages, options, deadline.Token).GetAsyncEnumerator(deadline.Token);
        while (true)
        {
            bool more;
            try
            {
                more = await updates.MoveNextAsync();
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new ProviderTimeoutException(started
                    ? $"The model provider went silent for more than {idle.TotalSeconds:0} seconds."
                    : $"The model provider did not start answering within {firstToken.TotalSeconds:0} seconds.");
            }
            if (!more) yield break;

            started = true;
            deadline.CancelAfter(idle);
            yield return updates.Current;
        }
    }
}

public sealed class ProviderTimeoutException(string message) : TimeoutException(message);
