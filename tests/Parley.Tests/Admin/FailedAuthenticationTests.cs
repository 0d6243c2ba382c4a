using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Parley.Admin;
using Parley.Hosting;
using Parley.Testing;

namespace Parley.Tests.Admin;

public sealed class FailedAuthenticationTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static readonly string[] NoLimits =
        ["--Parley:RateLimits:FailedAuthenticationsPerMinute=0", "--Parley:RateLimits:SessionRequestsPerMinute=0", "--Parley:RateLimits:SessionRequestsPerMinutePerAddress=0"];

    [Fact]
    public async Task A_burst_of_wrong_admin_keys_is_logged_at_most_twice_and_counted_while_the_right_key_still_works()
    {
        // What is logged and counted, without the limit that refuses such an address (RateLimitTests).
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite, NoLimits);
        using var counted = new MetricCollector<long>(parley.Services.GetRequiredService<IMeterFactory>(), Telemetry.MeterName, FailedAuthentications.CounterName);
        using var wrong = new HttpClient { BaseAddress = parley.BaseAddress };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "pak_not_the_admin_key_0123456789");
        const int burst = 300;

        await Parallel.ForAsync(0, burst, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (_, ct) =>
        {
            using var refused = await wrong.GetAsync("/api/v1/ai-gateways", ct);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        });
        var duringTheMinute = FailureLines(parley.Logs);
        parley.Clock.Advance(TimeSpan.FromSeconds(70));
        var lines = FailureLines(parley.Logs);
        using var accepted = await parley.Admin.GetAsync("/api/v1/ai-gateways", Ct);

        Assert.Single(duringTheMinute);
        Assert.Contains("127.0.0.1", duringTheMinute[0].Message, StringComparison.Ordinal);
        Assert.Equal(2, lines.Count);
        Assert.Equal(burst, lines.Sum(FailuresIn));
        Assert.Equal(burst, counted.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task Guessed_access_keys_are_counted_and_logged_like_wrong_admin_keys()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite, NoLimits);
        var session = await parley.CreateSessionAsync();
        const int burst = 100;

        await Parallel.ForAsync(0, burst, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (i, ct) =>
        {
            var guess = "wky_" + i.ToString("D56", CultureInfo.InvariantCulture);
            using var refused = await parley.Anonymous.GetAsync(i % 2 == 0 ? $"/api/v1/chat/{guess}" : $"/chat/{guess}", ct);
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        });
        using var opened = await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}", Ct);
        parley.Clock.Advance(TimeSpan.FromSeconds(70));

        var lines = FailureLines(parley.Logs);
        Assert.Equal(2, lines.Count);
        Assert.Contains("access key", lines[0].Message, StringComparison.Ordinal);
        Assert.Equal(burst, lines.Sum(FailuresIn));
        Assert.DoesNotContain(lines, line => line.Message.Contains("0000000000000", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
    }

    [Fact]
    public void Addresses_beyond_the_cap_are_summed_under_one_name()
    {
        var clock = new FakeTimeProvider();
        using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var logs = new FakeLogCollector();
        using var failures = new FailedAuthentications(clock, metrics.GetRequiredService<IMeterFactory>(), new FakeLogger<FailedAuthentications>(logs));

        for (var i = 0; i < FailedAuthentications.MaxTrackedAddresses + 50; i++)
            failures.Record(RequestFrom(new IPAddress(0x0A000000 + i)), "admin key");
        clock.Advance(TimeSpan.FromSeconds(70));

        var lines = FailureLines(logs);
        Assert.Equal(FailedAuthentications.MaxTrackedAddresses + 2, lines.Count);
        Assert.Equal(FailedAuthentications.MaxTrackedAddresses + 50, lines.Sum(FailuresIn));
        Assert.Equal(2, lines.Count(line => line.Message.Contains(FailedAuthentications.OtherAddresses, StringComparison.Ordinal)));
    }

    static List<FakeLogRecord> FailureLines(FakeLogCollector logs) =>
        [.. logs.GetSnapshot().Where(record => record.Category == typeof(FailedAuthentications).FullName)];

    // The first line of an address stands for one failure; the lines after it say how many more there were.
    static int FailuresIn(FakeLogRecord line) =>
        line.GetStructuredStateValue("Count") is { } count ? int.Parse(count, CultureInfo.InvariantCulture) : 1;

    static DefaultHttpContext RequestFrom(IPAddress address) => new() { Connection = { RemoteIpAddress = address } };
}
