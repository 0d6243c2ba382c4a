using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Parley.Hosting;
using Parley.Testing.Upstream;

namespace Parley.Testing;

/// <summary>
/// A real Parley on a random loopback port, with its own database and its own OpenAI-compatible upstream.
/// </summary>
public sealed class TestParley : IAsyncDisposable
{
    public const string AdminKey = "pak_test_admin_key_0123456789";

    readonly string[] extraArguments;
    readonly bool systemClock;
    readonly Action<IServiceCollection>? replaceServices;
    WebApplication? app;

    public TestDatabase Database { get; }
    public TestUpstream Upstream { get; }
    /// <summary>The clock tests move by hand; benchmarks run on the system clock instead.</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public Uri BaseAddress { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public HttpClient Anonymous { get; private set; } = null!;
    public IServiceProvider Services => app?.Services ?? throw new InvalidOperationException("Parley is not running.");
    /// <summary>The lines Parley logged at the levels the test set (Warning and up unless it asks for more).</summary>
    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    TestParley(TestDatabase database, TestUpstream upstream, string[] extraArguments, bool systemClock, Action<IServiceCollection>? replaceServices = null)
    {
        Database = database;
        Upstream = upstream;
        this.extraArguments = extraArguments;
        this.systemClock = systemClock;
        this.replaceServices = replaceServices;
    }

    public static Task<TestParley> StartAsync(DatabaseKind kind, params string[] arguments) => StartAsync(kind, null, arguments);

    /// <summary>Parley with some of its services swapped, to make a part of it fail on purpose.</summary>
    public static async Task<TestParley> StartAsync(DatabaseKind kind, Action<IServiceCollection>? replaceServices, params string[] arguments)
    {
        var parley = new TestParley(TestDatabase.Create(kind), await TestUpstream.StartAsync(), arguments, systemClock: false, replaceServices);
        await parley.StartServerAsync();
        return parley;
    }

    /// <summary>
    /// Parley as it runs in production, for measuring: the system clock (so replies are saved every second while
    /// they grow, heartbeats tick) and an upstream that keeps no record of the requests it answered.
    /// </summary>
    public static async Task<TestParley> StartForBenchmarkAsync(DatabaseKind kind, params string[] arguments)
    {
        // The load comes from one address and a few keys, far past what the limits allow anyone.
        arguments = ["--Parley:RateLimits:SessionsPerMinute=0", "--Parley:RateLimits:SessionRequestsPerMinute=0",
            "--Parley:RateLimits:SessionRequestsPerMinutePerAddress=0", .. arguments];
        var parley = new TestParley(TestDatabase.Create(kind), await TestUpstream.StartAsync(recordRequests: false), arguments, systemClock: true);
        await parley.StartServerAsync();
        return parley;
    }

    async Task StartServerAsync()
    {
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            $"--PARLEY_ADMIN_KEY={AdminKey}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.AspNetCore=Error",
            "--Logging:LogLevel:Parley=Warning",
            "--Providers:MaxRetries=1",
            "--Parley:ShowWelcome=false",
            .. Database.Arguments,
            .. extraArguments,
        ];
        RunLog.NoteSecret(AdminKey);
        app = ParleyServer.Build(args, services =>
        {
            services.AddFakeLogging();
            RunLog.AddTo(services);
            if (!systemClock) services.AddSingleton<TimeProvider>(Clock);
            replaceServices?.Invoke(services);
        });
        await app.PrepareAsync();
        await app.StartAsync();
        BaseAddress = new Uri(app.Urls.First());
        Admin = new HttpClient { BaseAddress = BaseAddress };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        Anonymous = new HttpClient { BaseAddress = BaseAddress };
    }

    /// <summary>Stops Parley and starts it again on the same database, the way an operator restarts the service.</summary>
    public async Task RestartAsync()
    {
        await StopServerAsync();
        await StartServerAsync();
    }

    /// <summary>Stops Parley, keeping its database for the test to read: every write is committed and every log line out.</summary>
    public async Task StopServerAsync()
    {
        Admin?.Dispose();
        Anonymous?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopServerAsync();
        await Upstream.DisposeAsync();
        await Database.DisposeAsync();
    }

    // ---- set-up helpers: each goes through the public admin API, as a user would

    public async Task<Guid> CreateGatewayAsync(object? parameters = null, string name = "Test gateway")
    {
        parameters ??= new { baseAddress = Upstream.BaseAddress, apiKey = "sk-upstream-secret-123456", modelName = "gpt-4o-mini" };
        if (JsonSerializer.SerializeToElement(parameters, JsonSerializerOptions.Web).TryGetProperty("apiKey", out var apiKey)
            && apiKey.ValueKind == JsonValueKind.String)
            RunLog.NoteSecret(apiKey.GetString());
        var body = await PostOkAsync("/api/v1/ai-gateways", new { name, parameters });
        return body.GetProperty("data").GetProperty("id").GetGuid();
    }

    public async Task<Guid> CreateChatClientAsync(Guid? gatewayId = null, object? clientParameters = null, object? limitingParameters = null)
    {
        gatewayId ??= await CreateGatewayAsync();
        var body = await PostOkAsync("/api/v1/web-chat-client",
            new { name = "Test client", aiGatewayId = gatewayId, clientParameters, limitingParameters });
        return body.GetProperty("data").GetProperty("id").GetGuid();
    }

    public async Task<CreatedSession> CreateSessionAsync(Guid? clientId = null, object? request = null)
    {
        clientId ??= await CreateChatClientAsync();
        var body = await PostOkAsync($"/api/v1/web-chat-client/{clientId}/sessions", request ?? new { });
        var data = body.GetProperty("data");
        RunLog.NoteSecret(data.GetProperty("accessKey").GetString());
        return new CreatedSession(clientId.Value, data.GetProperty("sessionId").GetGuid(),
            data.GetProperty("accessKey").GetString()!, data.GetProperty("talkUrl").GetString()!);
    }

    /// <summary>An operator account made through <c>/api/v1/operators</c>; returns its id.</summary>
    public async Task<Guid> CreateOperatorAsync(string userName, string password, string role = "agent", string? displayName = null)
    {
        RunLog.NoteSecret(password);
        var body = await PostOkAsync("/api/v1/operators", new { userName, displayName = displayName ?? userName, password, role });
        return body.GetProperty("data").GetProperty("id").GetGuid();
    }

    /// <summary>The console over HTTP, with cookies of its own.</summary>
    public ConsoleClient Console() => new(BaseAddress);

    /// <summary>Sends a message in a session and reads the whole event stream.</summary>
    public async Task<SseResponse> SendAsync(string accessKey, string content, CancellationToken ct = default)
    {
        using var response = await OpenStreamAsync($"/api/v1/chat/{accessKey}/messages", new { content }, ct);
        return await SseResponse.ReadAsync(response, ct);
    }

    /// <summary>Posts and returns as soon as the headers arrive, so the caller reads the stream as it is written.</summary>
    public Task<HttpResponseMessage> OpenStreamAsync(string path, object? body, CancellationToken ct = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        return Anonymous.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    async Task<JsonElement> PostOkAsync(string path, object body)
    {
        using var response = await Admin.PostAsJsonAsync(path, body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {json}");
        return json;
    }
}

public sealed record CreatedSession(Guid ClientId, Guid SessionId, string AccessKey, string TalkUrl);
