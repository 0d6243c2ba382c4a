using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Parley.Testing;

namespace Parley.Tests.Hosting;

public sealed class TelemetryTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Request_spans_carry_the_access_key_and_access_token_redacted()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        // Tracing is on only with an exporter; nothing listens at this address, and a failed export is not an error.
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite, "--OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9");
        var session = await parley.CreateSessionAsync();

        using var response = await parley.Anonymous.GetAsync($"/api/v1/chat/{session.AccessKey}/transcript?access_token={TestParley.AdminKey}", Ct);
        var span = await SpanAsync(spans, session.AccessKey[..8]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"/api/v1/chat/{session.AccessKey[..8]}…/transcript", span.GetTagItem("url.path"));
        Assert.DoesNotContain(TestParley.AdminKey, span.GetTagItem("url.query") as string ?? "", StringComparison.Ordinal);
        Assert.DoesNotContain(span.Tags, tag => tag.Value?.Contains(session.AccessKey, StringComparison.Ordinal) == true);
    }

    // A span ends a moment after the client has read the response.
    static async Task<Activity> SpanAsync(ConcurrentQueue<Activity> spans, string pathPart)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var span = spans.FirstOrDefault(s => s.GetTagItem("url.path") is string path && path.Contains(pathPart, StringComparison.Ordinal));
            if (span is not null) return span;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"No request span with {pathPart} in its path.");
            await Task.Delay(50, Ct);
        }
    }
}
