using System.Diagnostics.Metrics;
using Parley.Hosting;

namespace Parley.Admin;

/// <summary>
/// Requests refused for a key that is not valid, counted on the <c>parley.authentication.failures</c> counter of the
/// "Parley" meter and logged at most once a minute per client address: a burst of wrong keys would otherwise write one
/// line each (and fill the disk). The first failure from an address is logged at once; the ones after it are summed and
/// reported by a timer when the minute is over, so a burst that stops is still reported.
/// </summary>
public sealed partial class FailedAuthentications : IDisposable
{
    public const string CounterName = "parley.authentication.failures";

    static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(10);

    // Enough addresses for any real incident; failures from addresses beyond it are summed under one name, so a flood
    // from many addresses costs a bounded amount of memory.
    public const int MaxTrackedAddresses = 10_000;
    public const string OtherAddresses = "other addresses";

    readonly Dictionary<string, Tally> tallies = new(StringComparer.Ordinal);
    readonly TimeProvider clock;
    readonly ILogger logger;
    readonly Counter<long> failures;
    readonly ITimer flushTimer;

    public FailedAuthentications(TimeProvider clock, IMeterFactory meters, ILogger<FailedAuthentications> logger)
    {
        this.clock = clock;
        this.logger = logger;
        failures = meters.Create(Telemetry.MeterName).CreateCounter<long>(CounterName, "{failure}", "Requests refused because their key was not valid");
        flushTimer = clock.CreateTimer(_ => Flush(everything: false), null, FlushInterval, FlushInterval);
    }

    /// <summary>Counts a request refused because its <paramref name="credential"/> (e.g. "admin key") was not valid.</summary>
    public void Record(HttpContext context, string credential)
    {
        failures.Add(1, new KeyValuePair<string, object?>("parley.credential", credential));
        var address = ClientAddress(context);
        lock (tallies)
        {
            if (tallies.Count >= MaxTrackedAddresses && !tallies.ContainsKey(address)) address = OtherAddresses;
            var now = clock.GetUtcNow();
            if (tallies.TryGetValue(address, out var tally))
            {
                tally.Unreported++;
                tally.LastCredential = credential;
                if (now >= tally.WindowStart + Window) (tally.WindowStart, tally.InWindow) = (now, 0);
                tally.InWindow++;
                return;
            }
            tallies.Add(address, new Tally { ReportDue = now + Window, LastCredential = credential, WindowStart = now, InWindow = 1 });
        }
        LogFirstFailure(logger, address, credential);
    }

    /// <summary>Reports the sums whose minute is over (all of them on shutdown) and forgets addresses that went quiet.</summary>
    void Flush(bool everything)
    {
        var now = clock.GetUtcNow();
        List<(string Address, int Count, string Credential)>? reports = null;
        lock (tallies)
        {
            foreach (var (address, tally) in tallies)
            {
                if (now < tally.ReportDue && !everything) continue;
                if (tally.Unreported == 0)
                {
                    tallies.Remove(address);
                    continue;
                }
                (reports ??= []).Add((address, tally.Unreported, tally.LastCredential));
                tally.Unreported = 0;
                tally.ReportDue = now + Window;
            }
        }
        foreach (var (address, count, credential) in reports ?? []) LogRepeatedFailures(logger, count, address, credential);
    }

    /// <summary>
    /// How long <paramref name="context"/>'s address is refused, when it failed <paramref name="limit"/> times within a
    /// minute of its first failure; null when it may go on.
    /// </summary>
    public TimeSpan? BlockedFor(HttpContext context, int limit)
    {
        var address = ClientAddress(context);
        lock (tallies)
        {
            if (!tallies.TryGetValue(address, out var tally)) return null;
            var left = tally.WindowStart + Window - clock.GetUtcNow();
            return tally.InWindow >= limit && left > TimeSpan.Zero ? left : null;
        }
    }

    public static string ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress switch
    {
        null => "an unknown address",
        { IsIPv4MappedToIPv6: true } mapped => mapped.MapToIPv4().ToString(),
        var address => address.ToString(),
    };

    public void Dispose()
    {
        flushTimer.Dispose();
        Flush(everything: true);
    }

    sealed class Tally
    {
        public DateTimeOffset ReportDue { get; set; }
        public int Unreported { get; set; }
        public required string LastCredential { get; set; }
        /// <summary>When the minute being counted for the limit began, and the failures in it.</summary>
        public DateTimeOffset WindowStart { get; set; }
        public int InWindow { get; set; }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Authentication failed from {ClientAddress}: the {Credential} is not valid. More failures from there are counted and reported once a minute")]
    static partial void LogFirstFailure(ILogger logger, string clientAddress, string credential);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Authentication failed {Count} more times from {ClientAddress} in the last minute (the last one: {Credential} not valid)")]
    static partial void LogRepeatedFailures(ILogger logger, int count, string clientAddress, string credential);
}
