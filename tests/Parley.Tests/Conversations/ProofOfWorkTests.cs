using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Parley.Conversations;
using Parley.Testing;
using Parley.Tests.Hosting;

namespace Parley.Tests.Conversations;

/// <summary>A chat client that asks for a proof of work before a web session's first message.</summary>
public sealed class ProofOfWorkTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_first_message_needs_a_solved_challenge_of_its_own_session_and_later_ones_do_not()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var clientId = await parley.CreateChatClientAsync(clientParameters: new { proofOfWorkBits = 12 });
        var session = await parley.CreateSessionAsync(clientId);
        var other = await parley.CreateSessionAsync(clientId);

        var bare = await parley.SendAsync(session.AccessKey, "hello", Ct);
        Assert.Equal((HttpStatusCode)428, bare.Status);
        Assert.Equal("proof_of_work_required", bare.ProblemCode);
        Assert.Equal(12, bare.Problem!.Value.GetProperty("bits").GetInt32());

        var challenge = await ChallengeAsync(parley, session.AccessKey);
        Assert.Equal(12, challenge.GetProperty("bits").GetInt32());
        var text = challenge.GetProperty("challenge").GetString()!;
        var nonce = Solve(text, 12);

        // A wrong nonce, and a right one for another session, are refused; nothing is stored meanwhile.
        Assert.Equal((HttpStatusCode)428, (await SendWithProofAsync(parley, session.AccessKey, text, Unsolved(text, 12))).Status);
        Assert.Equal((HttpStatusCode)428, (await SendWithProofAsync(parley, other.AccessKey, text, nonce)).Status);
        Assert.Empty(parley.Upstream.Requests);

        var solved = await SendWithProofAsync(parley, session.AccessKey, text, nonce);
        Assert.Equal(HttpStatusCode.OK, solved.Status);
        Assert.Equal("done", solved.Last.Type);
        Assert.Equal(HttpStatusCode.OK, (await parley.SendAsync(session.AccessKey, "and a second one, with no proof", Ct)).Status);

        // A client that asks for none: the challenge says 0 bits, and no message needs a proof.
        var free = await parley.CreateSessionAsync();
        Assert.Equal(0, (await ChallengeAsync(parley, free.AccessKey)).GetProperty("bits").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await parley.SendAsync(free.AccessKey, "hi", Ct)).Status);
    }

    [Fact]
    public async Task Bits_out_of_range_are_refused_with_their_field()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);
        var gatewayId = await parley.CreateGatewayAsync();
        using var response = await parley.Admin.PostAsJsonAsync("/api/v1/web-chat-client",
            new { name = "x", aiGatewayId = gatewayId, clientParameters = new { proofOfWorkBits = 40 } }, Ct);
        await ApiAssert.InvalidAsync(response, "clientParameters.proofOfWorkBits");
    }

    static async Task<JsonElement> ChallengeAsync(TestParley parley, string accessKey) =>
        (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{accessKey}/challenge", Ct)).GetProperty("data");

    static async Task<SseResponse> SendWithProofAsync(TestParley parley, string accessKey, string challenge, string nonce)
    {
        using var response = await parley.OpenStreamAsync($"/api/v1/chat/{accessKey}/messages",
            new { content = "hello", proof = new { challenge, nonce } }, Ct);
        return await SseResponse.ReadAsync(response, Ct);
    }

    static string Solve(string challenge, int bits) => Nonces().First(n => Zeros(challenge, n) >= bits);

    static string Unsolved(string challenge, int bits) => Nonces().First(n => Zeros(challenge, n) < bits);

    static IEnumerable<string> Nonces() => Enumerable.Range(0, int.MaxValue).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture));

    static int Zeros(string challenge, string nonce) => ProofOfWork.LeadingZeroBits(SHA256.HashData(Encoding.UTF8.GetBytes($"{challenge}:{nonce}")));
}
