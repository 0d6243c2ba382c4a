using System.Text.Json;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Tests.Sessions;

/// <summary>
/// A chat client with <c>maskPersonalData</c>: operators' exports and transcripts show phone numbers, e-mails and cards
/// masked, while the model and the end user see them as written.
/// </summary>
public sealed class MaskingTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    const string Said = "I am ana@example.com, phone +55 11 98765-4321, card 4111 1111 1111 1111";

    [Fact]
    public async Task Operators_read_personal_data_masked_and_the_model_and_the_user_as_written()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var masked = await parley.CreateChatClientAsync(clientParameters: new { maskPersonalData = true });
        var plain = await parley.CreateChatClientAsync();
        var session = await parley.CreateSessionAsync(masked);
        var other = await parley.CreateSessionAsync(plain);
        parley.Upstream.Enqueue(ScriptedReply.Text("Noted: ana@example.com"));
        await parley.SendAsync(session.AccessKey, Said, Ct);
        await parley.SendAsync(other.AccessKey, Said, Ct);

        // The model got it as written, and so does the user in their own transcript.
        Assert.Contains(parley.Upstream.Requests, r => r.Body.GetRawText().Contains("ana@example.com", StringComparison.Ordinal));
        Assert.Contains("4111 1111 1111 1111", await TextAsync(parley.Anonymous, $"/api/v1/chat/{session.AccessKey}/transcript?format=md"), StringComparison.Ordinal);

        var transcript = await TextAsync(parley.Admin, $"/api/v1/web-chat-client/{masked}/sessions/{session.SessionId}/transcript?format=md");
        Assert.Contains("a•••@example.com", transcript, StringComparison.Ordinal);
        Assert.Contains("•••• •••• •••• 1111", transcript, StringComparison.Ordinal);
        Assert.Contains("-••21", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("ana@example.com", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("98765", transcript, StringComparison.Ordinal);

        var lines = (await TextAsync(parley.Admin, "/api/v1/logs/export?format=jsonl"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var maskedLines = lines.Where(l => l.GetProperty("chatClientId").GetGuid() == masked).Select(l => l.GetProperty("message").GetProperty("content").GetString()).ToList();
        var plainLines = lines.Where(l => l.GetProperty("chatClientId").GetGuid() == plain).Select(l => l.GetProperty("message").GetProperty("content").GetString()).ToList();
        Assert.Equal(["I am a•••@example.com, phone +•• •• •••••-••21, card •••• •••• •••• 1111", "Noted: a•••@example.com"], maskedLines);
        Assert.Contains(Said, plainLines);
    }

    static async Task<string> TextAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(Ct);
    }
}
