using System.ClientModel.Primitives;

namespace Parley.Gateways;

/// <summary>
/// Holds a provider's streamed answer to what OpenAI's API promises: a 200 to a streamed request is an event stream
/// (<see cref="ProviderAnswers"/>) that ends with [DONE] (<see cref="UntilDoneStream"/>). The SDK reads any 200 body
/// as a stream and any end of it as the end of the reply. Placed per call, outside the retries: a wrong answer is
/// reported, not asked for again.
/// </summary>
public sealed class ProviderResponsePolicy : PipelinePolicy
{
    public static readonly ProviderResponsePolicy Instance = new();

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ProcessNext(message, pipeline, currentIndex);
        Check(message);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        await ProcessNextAsync(message, pipeline, currentIndex);
        Check(message);
    }

    static void Check(PipelineMessage message)
    {
        // Buffered answers are the non-streamed calls, which the SDK parses itself; Parley streams every reply.
        if (message.BufferResponse || message.Response is not { IsError: false, ContentStream: { } body } response) return;

        var contentType = response.Headers.TryGetValue("Content-Type", out var value) ? value : null;
        if (!ProviderAnswers.IsEventStream(contentType))
        {
            response.Dispose();
            throw new ProviderBadResponseException(
                $"The model provider answered a streamed request with {contentType ?? "a body without a content type"} instead of an event stream.");
        }
        response.ContentStream = new UntilDoneStream(body);
    }
}
