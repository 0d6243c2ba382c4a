using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Parley.Conversations;

namespace Parley.Gateways;

/// <summary>
/// Fails a stream that takes too long to start or goes silent between tokens. An overall deadline would cut off
/// long but healthy replies, so each token resets the clock. <paramref name="provider"/>, the SDK's client under
/// <paramref name="inner"/>, serves plain replies through <see cref="ChatCompletionChunks"/> with the same timeouts.
/// </summary>
public sealed class StreamTimeoutChatClient(IChatClient inner, OpenAI.Chat.ChatClient provider, TimeSpan firstToken, TimeSpan idle)
    : DelegatingChatClient(inner)
{
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        WithinTimeouts(deadline => base.GetStreamingResponseAsync(messages, options, deadline), cancellationToken);

    /// <summary>A plain reply's parts straight from the provider's stream (see <see cref="ChatCompletionChunks.Serves"/>).</summary>
    public IAsyncEnumerable<ReplyPart> ReadPlainReplyAsync(IEnumerable<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken) =>
        WithinTimeouts(deadline => ChatCompletionChunks.ReadAsync(provider, messages, options, deadline), cancellationToken);

    async IAsyncEnumerable<T> WithinTimeouts<T>(Func<CancellationToken, IAsyncEnumerable<T>> stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(firstToken);
        var started = false;

        await using var items = stream(deadline.Token).GetAsyncEnumerator(deadline.Token);
        while (true)
        {
            bool more;
            try
            {
                more = await items.MoveNextAsync();
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
            yield return items.Current;
        }
    }
}

public sealed class ProviderTimeoutException(string message) : TimeoutException(message);
