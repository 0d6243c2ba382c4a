using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Abstractions.Serialization;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Parley.ApiClient;
using Parley.ApiClient.Models;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.ApiClientTests;

/// <summary>
/// The README's walkthrough, through a client that Kiota generated from Parley's OpenAPI document at build time. The
/// client trusts the document: a route, field or error shape it gets wrong makes a call here fail.
/// </summary>
public sealed class ReadmeWalkthroughTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_walkthrough_runs_through_the_generated_client()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        using var checks = DocumentedResponses.Load();
        using var adminHttp = new HttpClient(checks, disposeHandler: false);
        adminHttp.DefaultRequestHeaders.Authorization = new("Bearer", TestParley.AdminKey);
        using var userHttp = new HttpClient(checks, disposeHandler: false);
        var admin = ClientFor(adminHttp, parley.BaseAddress);
        var user = ClientFor(userHttp, parley.BaseAddress);
        parley.Upstream.Enqueue(ScriptedReply.Text("We open ", "at 9.") with { Usage = (52, 9) });

        // 1. An AI gateway.
        var gateway = await admin.Api.V1.AiGateways.PostAsync(new GatewayRequest
        {
            Name = "Support model",
            Parameters = new GatewayParameters
            {
                BaseAddress = parley.Upstream.BaseAddress,
                ApiKey = "sk-walkthrough-0123456789",
                ModelName = "gpt-4o-mini",
                Temperature = 0.3f,
                SystemInstruction = "You are ACME support. Be brief.",
            },
        }, cancellationToken: Ct);
        Assert.Equal("The AI gateway was created.", gateway?.Message);
        Assert.Equal("sk-…6789", gateway!.Data!.Parameters!.ApiKey);
        var gatewayId = gateway.Data.Id!.Value;

        // 2. A chat client on that gateway.
        var client = await admin.Api.V1.WebChatClient.PostAsync(new ChatClientRequest
        {
            Name = "ACME site",
            AiGatewayId = gatewayId,
            ClientParameters = new ClientParameters { LanguageCode = "en", PageTitle = "ACME help", ContextPrompt = "Shop hours: 9-18." },
            LimitingParameters = new LimitingParameters { MessagesPerHour = 30, MaxMessages = 200, UserInputMaxTokens = 1000 },
        }, cancellationToken: Ct);
        var clientId = client!.Data!.Id!.Value;
        Assert.Equal(30, client.Data.LimitingParameters!.MessagesPerHour);

        // 3. A session for one user.
        var session = await admin.Api.V1.WebChatClient[clientId].Sessions.PostAsync(new CreateSessionRequest
        {
            Tag = "user-42",
            ExtraContext = "The customer is Ana, from Lisbon.",
            Expires = 3600,
        }, cancellationToken: Ct);
        var accessKey = session!.Data!.AccessKey!;
        Assert.StartsWith("wky_", accessKey);
        Assert.Equal($"{parley.BaseAddress.ToString().TrimEnd('/')}/chat/{accessKey}", session.Data.TalkUrl);

        // 4. Talk: the reply streams as server-sent events.
        await using var stream = await user.Api.V1.Chat[accessKey].Messages.PostAsync(new SendMessageRequest { Content = "Hi! When do you open?" },
            cancellationToken: Ct);
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(stream!).EnumerateAsync(Ct)) events.Add(item);
        Assert.Equal(["delta", "delta", "done"], events.Select(e => e.EventType));
        var done = JsonDocument.Parse(events[^1].Data).RootElement;
        Assert.Equal(52, done.GetProperty("usage").GetProperty("inputTokens").GetInt32());

        // 5. The conversation, and its transcript.
        var chat = await user.Api.V1.Chat[accessKey].GetAsync(cancellationToken: Ct);
        Assert.Equal(["user", "assistant"], chat!.Data!.Messages!.Select(m => m.Role));
        Assert.Equal("We open at 9.", chat.Data.Messages![1].Content);
        Assert.Equal(52, chat.Data.Usage!.InputTokens);
        await using var transcript = await user.Api.V1.Chat[accessKey].Transcript.GetAsync(cancellationToken: Ct);
        var markdown = await new StreamReader(transcript!).ReadToEndAsync(Ct);
        Assert.Contains("# ACME help", markdown);
        Assert.Contains("We open at 9.", markdown);

        // The admin's view of the session lists it with its tag and usage.
        var sessions = await admin.Api.V1.WebChatClient[clientId].Sessions.GetAsync(q => q.QueryParameters.Tag = "user-42", Ct);
        var listed = Assert.Single(sessions!.Data!.Items!);
        Assert.Equal(61, listed.InputTokens + listed.OutputTokens);

        // An expected 404: an access key that opens nothing.
        var notFound = await Assert.ThrowsAsync<Problem>(() => user.Api.V1.Chat["wky_" + new string('0', 56)].GetAsync(cancellationToken: Ct));
        Assert.Equal(404, notFound.ResponseStatusCode);
        Assert.Equal("session_not_found", notFound.Code);
        Assert.False(string.IsNullOrWhiteSpace(notFound.MessageEscaped));

        // An expected 400: a gateway whose temperature is out of range, named by its path in the JSON sent.
        var invalid = await Assert.ThrowsAsync<Problem>(() => admin.Api.V1.AiGateways.PostAsync(new GatewayRequest
        {
            Name = "Too hot",
            Parameters = new GatewayParameters { BaseAddress = parley.Upstream.BaseAddress, ModelName = "gpt-4o-mini", Temperature = 5 },
        }, cancellationToken: Ct));
        Assert.Equal(400, invalid.ResponseStatusCode);
        Assert.Equal("invalid_request", invalid.Code);
        var rules = Assert.IsType<UntypedArray>(invalid.Errors!.AdditionalData["parameters.temperature"]);
        Assert.Equal("The parameters.temperature field must be between 0 and 2.", Assert.IsType<UntypedString>(Assert.Single(rules.GetValue())).GetValue());

        // The OpenAI-compatible side: the gateway is a model, and an unknown model is an error in OpenAI's shape.
        var models = await admin.V1.Models.GetAsync(cancellationToken: Ct);
        var model = Assert.Single(models!.Data!);
        Assert.Equal((gatewayId.ToString(), "parley", "Support model"), (model.Id, model.OwnedBy, model.Name));
        var unknownModel = await Assert.ThrowsAsync<OpenAiError>(() => admin.V1.Models["gpt-4o"].GetAsync(cancellationToken: Ct));
        Assert.Equal(404, unknownModel.ResponseStatusCode);
        Assert.Equal("model_not_found", unknownModel.Error!.Code);

        // Every answer above was one the document describes, body and all.
        Assert.Equal(11, checks.Checked);
    }

    [Fact]
    public async Task The_document_the_client_was_generated_from_is_the_one_parley_serves()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);

        var built = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "openapi", "Parley.json"), Ct))!.AsObject();
        var served = JsonNode.Parse(await parley.Anonymous.GetStringAsync("/openapi/v1.json", Ct))!.AsObject();
        // The live document names the server it was asked on; the rest must be the same.
        served.Remove("servers");

        Assert.True(JsonNode.DeepEquals(built, served), "The document served at /openapi/v1.json differs from the one the client was generated from.");
    }

    static ParleyApiClient ClientFor(HttpClient http, Uri baseAddress) =>
        new(new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http) { BaseUrl = baseAddress.ToString().TrimEnd('/') });
}
