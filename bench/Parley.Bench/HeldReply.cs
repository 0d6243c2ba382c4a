using System.Diagnostics;
using System.Text;

namespace Parley.Bench;

/// <summary>
/// One message whose reply is long in coming, read as its caller sees it: the heartbeats while it waits (and the
/// longest silence between any two lines, which grows when Parley's threads are starved), then its events.
/// <c>FirstEventAt</c> is on the benchmark's clock, the other times from the request's start.
/// </summary>
public sealed record HeldReply(bool Ok, bool Done, int Heartbeats, double FirstEventMs, double FirstEventAt, double LongestSilenceMs, string? Failure = null)
{
    public static async Task<HeldReply> HoldAsync(HttpClient http, string accessKey, Stopwatch clock, Action opened)
    {
        var start = Stopwatch.GetTimestamp();
        double Elapsed() => Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var (heartbeats, first, firstAt, silence, done, failed) = (0, -1.0, -1.0, 0.0, false, false);
        var told = false;
        string? failure = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/chat/{accessKey}/messages")
            {
                Content = new StringContent("""{"content":"Think it over"}""", Encoding.UTF8, "application/json"),
            };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            told = true;
            opened();
            if (!response.IsSuccessStatusCode) return new HeldReply(false, false, 0, -1, -1, 0, $"HTTP {(int)response.StatusCode}");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var last = Elapsed();
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.Length == 0) continue;
                if (failed && failure is null && line.StartsWith("data: ", StringComparison.Ordinal)) failure = line[6..];
                if (first < 0)
                {
                    silence = Math.Max(silence, Elapsed() - last);
                    last = Elapsed();
                }
                if (line.StartsWith(": keep-alive", StringComparison.Ordinal))
                {
                    if (first < 0) heartbeats++;
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    if (first < 0) (first, firstAt) = (Elapsed(), clock.Elapsed.TotalMilliseconds / 1000);
                    done |= line == "event: done";
                    failed |= line == "event: error";
                }
            }
            return new HeldReply(done && !failed, done, heartbeats, first, firstAt, silence, failure ?? (done ? null : "ended without done"));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
        {
            if (!told) opened();
            return new HeldReply(false, done, heartbeats, first, firstAt, silence, ex.GetType().Name + ": " + ex.Message);
        }
    }
}
