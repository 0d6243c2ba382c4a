using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

namespace Parley.Gateways;

/// <summary>
/// Builds the <see cref="IChatClient"/> of a gateway: the OpenAI SDK over any OpenAI-compatible endpoint, with
/// Parley's timeouts around it. Clients are cached per gateway version and rebuilt now and then so connections
/// follow the HTTP client factory's handler rotation.
/// </summary>
public sealed class ModelClients(IHttpClientFactory httpClients, GatewayKeyProtector keys, IOptions<ProviderOptions> options, TimeProvider clock)
{
    public const string HttpClientName = "providers";
    static readonly TimeSpan RebuildAfter = TimeSpan.FromMinutes(2);

    readonly ConcurrentDictionary<Guid, CachedClient> cache = new();

    public IChatClient For(AiGateway gateway)
    {
        var now = clock.GetUtcNow();
        if (cache.TryGetValue(gateway.Id, out var cached) && cached.Revision == gateway.Revision && now - cached.BuiltAt < RebuildAfter)
            return cached.Client;

        var client = Build(gateway);
        cache[gateway.Id] = new CachedClient(gateway.Revision, now, client);
        return client;
    }

    StreamTimeoutChatClient Build(AiGateway gateway)
    {
        var settings = options.Value;
        // Streams are governed by Parley's first-token and idle timeouts instead of one overall deadline.
        var provider = Provider(gateway, Timeout.InfiniteTimeSpan, ProviderResponsePolicy.Instance).GetChatClient(gateway.Parameters.ModelName);
        return new StreamTimeoutChatClient(provider.AsIChatClient(), provider,
            TimeSpan.FromSeconds(settings.FirstTokenTimeoutSeconds), TimeSpan.FromSeconds(settings.IdleTimeoutSeconds));
    }

    /// <summary>
    /// The provider's client for the audio routes (speech, transcriptions): the same transport, key and retries as
    /// replies, without the event-stream check, and with the first-token timeout bounding each wait for the provider.
    /// </summary>
    public OpenAIClient AudioProviderFor(AiGateway gateway) =>
        Provider(gateway, TimeSpan.FromSeconds(options.Value.FirstTokenTimeoutSeconds), responsePolicy: null);

    OpenAIClient Provider(AiGateway gateway, TimeSpan networkTimeout, PipelinePolicy? responsePolicy)
    {
        var settings = options.Value;
        var sdkOptions = new OpenAIClientOptions
        {
            Endpoint = new Uri(gateway.Parameters.BaseAddress),
            Transport = new HttpClientPipelineTransport(httpClients.CreateClient(HttpClientName)),
            // The SDK's retry policy only acts before a response arrives, so it never repeats tokens the user saw.
            RetryPolicy = new ProviderRetryPolicy(settings.MaxRetries, TimeSpan.FromSeconds(settings.MaxRetryWaitSeconds)),
            NetworkTimeout = networkTimeout,
            UserAgentApplicationId = "parley",
        };
        if (responsePolicy is not null) sdkOptions.AddPolicy(responsePolicy, PipelinePosition.PerCall);
        var apiKey = keys.Unprotect(gateway.ProtectedApiKey);
        // Local servers (Ollama, llama.cpp) take no key, and a made-up one would reach them as "Bearer …". The SDK
        // insists on a credential (its credential-free constructor is experimental), so a keyless gateway gets a
        // placeholder whose header is taken off just before the request leaves.
        if (apiKey is null) sdkOptions.AddPolicy(WithoutAuthorization.Instance, PipelinePosition.BeforeTransport);
        return new OpenAIClient(new ApiKeyCredential(apiKey ?? "none"), sdkOptions);
    }

    public static ChatOptions ToChatOptions(GatewayParameters p) => new()
    {
        ModelId = p.ModelName,
        Temperature = p.Temperature,
        TopP = p.TopP,
        PresencePenalty = p.PresencePenalty,
        FrequencyPenalty = p.FrequencyPenalty,
        StopSequences = p.Stop is { Count: > 0 } stop ? [.. stop] : null,
        MaxOutputTokens = p.MaxCompletionTokens,
        Reasoning = p.ReasoningEffort switch
        {
            "low" => new ReasoningOptions { Effort = ReasoningEffort.Low },
            "medium" => new ReasoningOptions { Effort = ReasoningEffort.Medium },
            "high" => new ReasoningOptions { Effort = ReasoningEffort.High },
            _ => null,
        },
    };

    sealed record CachedClient(int Revision, DateTimeOffset BuiltAt, IChatClient Client);

    sealed class WithoutAuthorization : PipelinePolicy
    {
        public static readonly WithoutAuthorization Instance = new();

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Remove("Authorization");
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Remove("Authorization");
            return ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}
