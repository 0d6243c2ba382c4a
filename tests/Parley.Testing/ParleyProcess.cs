using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Parley.Testing;

/// <summary>
/// Parley.dll run with <c>dotnet</c> in a folder of its own (its working directory, not the folder Parley.dll is in,
/// the way a service manager starts it), read through its console output.
/// </summary>
public sealed class ParleyProcess : IAsyncDisposable
{
    readonly Process process;
    readonly System.Text.StringBuilder output = new();

    ParleyProcess(Process process) => this.process = process;

    public Uri BaseAddress { get; private set; } = null!;

    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    /// <summary>The operating system's id of the process, for reading its CPU time and memory from outside.</summary>
    public int Id => process.Id;

    /// <summary>
    /// Starts Parley in <paramref name="folder"/> with <paramref name="environment"/> added to its own: settings
    /// (PARLEY_ADMIN_KEY, OPENAI_BASE_URL), log levels and console options (Logging__LogLevel__Default,
    /// Logging__Console__FormatterName). <paramref name="cpus"/> (a taskset list such as "0") keeps it to those cores,
    /// as a container's CPU limit does; <paramref name="parleyDll"/> runs another build of Parley (a published one).
    /// With <paramref name="wholeWelcome"/> false it returns as soon as the "running at" line arrives, for timing a start.
    /// </summary>
    public static async Task<ParleyProcess> StartAsync(
        string folder, Dictionary<string, string> environment, string? cpus = null, string? parleyDll = null, bool wholeWelcome = true)
    {
        string[] command = ["dotnet", parleyDll ?? Path.Combine(AppContext.BaseDirectory, "Parley.dll"), "--urls", "http://127.0.0.1:0"];
        if (cpus is not null) command = ["taskset", "-c", cpus, .. command];
        var start = new ProcessStartInfo(command[0], command[1..])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in new[] { "PARLEY_ADMIN_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL" }) start.Environment.Remove(name);
        foreach (var (name, value) in environment) start.Environment[name] = value;

        var parley = new ParleyProcess(Process.Start(start)!);
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        parley.process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (parley.output) parley.output.AppendLine(e.Data);
            var match = Regex.Match(e.Data, @"Parley is running at (\S+)");
            if (match.Success) ready.TrySetResult(new Uri(match.Groups[1].Value));
        };
        parley.process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (parley.output) parley.output.AppendLine(e.Data); };
        parley.process.BeginOutputReadLine();
        parley.process.BeginErrorReadLine();

        try
        {
            parley.BaseAddress = await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
            // The welcome block is several lines; give the rest of it a moment to arrive.
            if (wholeWelcome) await Task.Delay(300);
        }
        catch (TimeoutException)
        {
            await parley.DisposeAsync();
            throw new TimeoutException("Parley did not start:\n" + parley.Output);
        }
        return parley;
    }

    /// <summary>A gateway to <paramref name="upstreamBaseAddress"/>, made through this instance's admin API; returns its id.</summary>
    public async Task<Guid> CreateGatewayAsync(string upstreamBaseAddress, CancellationToken ct = default)
    {
        using var http = AdminClient();
        return (await PostDataAsync(http, "/api/v1/ai-gateways", new
        {
            name = "shared", parameters = new { baseAddress = upstreamBaseAddress, modelName = "gpt-4o-mini" },
        }, ct)).GetProperty("id").GetGuid();
    }

    /// <summary>
    /// A gateway to <paramref name="upstreamBaseAddress"/>, a chat client with <paramref name="limits"/> and a session
    /// tagged <paramref name="tag"/>, made through this instance's admin API as an operator would.
    /// </summary>
    public async Task<(string AccessKey, Guid SessionId, Guid ClientId)> CreateSessionAsync(
        string upstreamBaseAddress, object? limits = null, string? tag = null, object? clientParameters = null, CancellationToken ct = default)
    {
        var gateway = await CreateGatewayAsync(upstreamBaseAddress, ct);
        using var http = AdminClient();
        var client = await PostDataAsync(http, "/api/v1/web-chat-client", new
        {
            name = "shared", aiGatewayId = gateway, limitingParameters = limits, clientParameters,
        }, ct);
        var clientId = client.GetProperty("id").GetGuid();
        var session = await PostDataAsync(http, $"/api/v1/web-chat-client/{clientId}/sessions", new { tag }, ct);
        RunLog.NoteSecret(session.GetProperty("accessKey").GetString());
        return (session.GetProperty("accessKey").GetString()!, session.GetProperty("sessionId").GetGuid(), clientId);
    }

    HttpClient AdminClient()
    {
        var http = new HttpClient { BaseAddress = BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestParley.AdminKey);
        return http;
    }

    static async Task<JsonElement> PostDataAsync(HttpClient http, string path, object body, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(path, body, ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("data");
    }

    /// <summary>
    /// Asks Parley to stop the way a service manager or a container runtime does (SIGTERM), waits for it to exit and
    /// returns how long that took.
    /// </summary>
    public async Task<TimeSpan> TerminateAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!)
            await kill.WaitForExitAsync();
        await process.WaitForExitAsync().WaitAsync(timeout);
        return clock.Elapsed;
    }

    public int ExitCode => process.ExitCode;

    /// <summary>Ends the process at once, the way a crash or a killed container does: no shutdown, nothing flushed.</summary>
    public async Task KillAsync()
    {
        if (process.HasExited) return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
        RunLog.Keep(Output);
    }
}
