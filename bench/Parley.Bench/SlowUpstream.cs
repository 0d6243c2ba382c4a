using System.Diagnostics;
using System.Reflection;
using Parley.Testing.Upstream;

namespace Parley.Bench;

/// <summary>
/// A test upstream that thinks for a while before its first token, in a process of its own: each held stream is a
/// socket in the load generator and another in the upstream, and 10,000 of each do not fit in one process's limit
/// of open files. The benchmark starts it as a child of itself and ends it by closing its input.
/// </summary>
public sealed class SlowUpstream : IAsyncDisposable
{
    public const string Argument = "--slow-upstream";

    readonly Process process;

    SlowUpstream(Process process, string baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
    }

    public string BaseAddress { get; }

    public int Id => process.Id;

    public static async Task<SlowUpstream> StartAsync(TimeSpan firstTokenDelay)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        start.ArgumentList.Add(Argument);
        start.ArgumentList.Add(firstTokenDelay.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var process = Process.Start(start)!;
        var address = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return new SlowUpstream(process, address ?? throw new InvalidOperationException("The slow upstream did not start."));
    }

    /// <summary>The child's side: serves replies whose first token comes after the delay, until its input closes.</summary>
    public static async Task<int> ServeAsync(string[] args)
    {
        var delay = TimeSpan.FromSeconds(double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        await using var upstream = await TestUpstream.StartAsync(recordRequests: false);
        upstream.DefaultReply = ScriptedReply.Text("Having ", "thought ", "it ", "over: ", "yes.") with { FirstTokenDelay = delay, Usage = (12, 5) };
        Console.WriteLine(upstream.BaseAddress);
        await Console.In.ReadToEndAsync();
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            process.Kill();
        }
        process.Dispose();
    }
}
