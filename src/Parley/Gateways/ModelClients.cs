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
        var sdkOptions = new OpenAIClientOptions
        {
            Endpoint = new Uri(gateway.Parameters.BaseAddress),
            Transport = new HttpClientPipelineTransport(httpClients.CreateClient(HttpClientName)),
            // The SDK's retry policy only acts before a response arrives, so it never repeats tokens the user saw.
            RetryPolicy = new ClientRetryPolicy(settings.MaxRetries),
            // Streams are governed by Parley's first-token and idle timeouts instead of one overall deadline.
            NetworkTimeout = Timeout.InfiniteTimeSpan,
            UserAgentApplicationId = "parley",
        };
        // Local servers (Ollama, llama.cpp) take no key, but the SDK insists on one.
        var credential = new ApiKeyCredential(keys.Unprotect(gateway.ProtectedApiKey) ?? "none");
        var chat = new OpenAIClient(credential, sdkOptions).GetChatClient(gateway.Parameters.ModelName).AsIChatClient();
        return new StreamTimeoutChatClient(chat,
            TimeSpan.FromSeconds(settings.FirstTokenTimeoutSeconds), TimeSpan.FromSeconds(settings.IdleTimeoutSeconds));
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
    };

    sealed record CachedClient(int Revision, DateTimeOffset BuiltAt, IChatClient Client);
}
