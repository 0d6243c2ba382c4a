using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Parley.Testing;
using Parley.Testing.Upstream;
using Parley.Tests.Hosting;

namespace Parley.Tests.Voice;

/// <summary>Replies read aloud and recordings turned into text, through the session API and the gateway's audio models.</summary>
public abstract class VoiceTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static readonly byte[] Recording = TestUpstream.Wav(TimeSpan.FromSeconds(0.5), 220);

    async Task<(TestParley Parley, CreatedSession Session)> StartAsync(bool speech = true, bool transcription = true, params string[] arguments)
    {
        var parley = await TestParley.StartAsync(kind, arguments);
        var gateway = await parley.CreateGatewayAsync(new
        {
            baseAddress = parley.Upstream.BaseAddress, apiKey = "sk-upstream-secret-123456", modelName = "gpt-4o-mini",
            speechModel = speech ? "tts-1" : null, voice = speech ? "nova" : null, transcriptionModel = transcription ? "whisper-1" : null,
        });
        return (parley, await parley.CreateSessionAsync(await parley.CreateChatClientAsync(gateway)));
    }

    /// <summary>Sends a message and returns the id of its reply.</summary>
    static async Task<Guid> ReplyIdAsync(TestParley parley, string accessKey, params string[] tokens)
    {
        parley.Upstream.Enqueue(ScriptedReply.Text(tokens));
        var sent = await parley.SendAsync(accessKey, "Tell me", Ct);
        Assert.Equal("done", sent.Last.Type);
        return sent.Last.Data.GetProperty("messageId").GetGuid();
    }

    static Task<HttpResponseMessage> SpeakAsync(TestParley parley, string accessKey, Guid messageId) =>
        parley.Anonymous.PostAsJsonAsync($"/api/v1/chat/{accessKey}/speech", new { messageId }, Ct);

    static Task<HttpResponseMessage> TranscribeAsync(TestParley parley, string accessKey, byte[] audio, string type = "audio/wav", string name = "voice.wav")
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(audio);
        file.Headers.ContentType = new MediaTypeHeaderValue(type);
        form.Add(file, "file", name);
        return parley.Anonymous.PostAsync($"/api/v1/chat/{accessKey}/transcriptions", form, Ct);
    }

    [Fact]
    public async Task A_reply_is_read_aloud_by_the_gateway_model_and_voice_and_its_audio_relayed_as_it_comes()
    {
        var (parley, session) = await StartAsync();
        await using var running = parley;
        var replyId = await ReplyIdAsync(parley, session.AccessKey, "**Open** ", "from nine.");
        parley.Upstream.SpeechChunkDelay = TimeSpan.FromMilliseconds(300);

        using var response = await parley.Anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/v1/chat/{session.AccessKey}/speech")
        {
            Content = JsonContent.Create(new { messageId = replyId }),
        }, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);

        // The first chunk arrives while the upstream is still writing the rest.
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        var first = new byte[64];
        var read = await body.ReadAsync(first, Ct);
        Assert.True(read > 0);
        var wholeAt = parley.Upstream.SpeechAudio.Length;
        using var rest = new MemoryStream();
        rest.Write(first, 0, read);
        var started = System.Diagnostics.Stopwatch.StartNew();
        await body.CopyToAsync(rest, Ct);
        Assert.True(started.Elapsed > TimeSpan.FromMilliseconds(500), $"The rest came {started.Elapsed} after the first bytes: the audio was buffered.");
        Assert.Equal(parley.Upstream.SpeechAudio, rest.ToArray());
        Assert.Equal(wholeAt, rest.Length);

        var asked = parley.Upstream.Requests.Single(r => r.Path == "/v1/audio/speech");
        Assert.Equal("tts-1", asked.Model);
        Assert.Equal("nova", asked.Body.GetProperty("voice").GetString());
        Assert.Equal("Open from nine.", asked.Body.GetProperty("input").GetString());
        Assert.Equal("Bearer sk-upstream-secret-123456", asked.Authorization);
    }

    [Fact]
    public async Task A_recording_comes_back_as_text_from_the_gateway_transcription_model()
    {
        var (parley, session) = await StartAsync();
        await using var running = parley;
        parley.Upstream.EnqueueAudio(ScriptedReply.Text("When do you open?"));

        using var response = await TranscribeAsync(parley, session.AccessKey, Recording);

        var data = await ApiAssert.DataAsync(response);
        Assert.Equal("When do you open?", data.GetProperty("text").GetString());
        var asked = parley.Upstream.Requests.Single(r => r.Path == "/v1/audio/transcriptions");
        Assert.Equal("whisper-1", asked.Model);
        var file = asked.Body.GetProperty("file");
        Assert.Equal(Recording.Length, file.GetProperty("size").GetInt64());
        Assert.Equal(Recording, Convert.FromBase64String(file.GetProperty("data").GetString()!));
        // Nothing was sent as a message: the text is the user's to check first.
        Assert.DoesNotContain(parley.Upstream.Requests, r => r.Path == "/v1/chat/completions");
    }

    [Fact]
    public async Task A_gateway_without_audio_models_refuses_with_409_and_the_view_says_so()
    {
        var (parley, session) = await StartAsync(speech: false, transcription: false);
        await using var running = parley;
        var replyId = await ReplyIdAsync(parley, session.AccessKey, "Hi");

        using var speech = await SpeakAsync(parley, session.AccessKey, replyId);
        using var transcription = await TranscribeAsync(parley, session.AccessKey, Recording);

        await ApiAssert.ProblemAsync(speech, HttpStatusCode.Conflict, "speech_not_configured");
        await ApiAssert.ProblemAsync(transcription, HttpStatusCode.Conflict, "transcription_not_configured");
        var voice = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct)).GetProperty("data").GetProperty("voice");
        Assert.False(voice.GetProperty("speech").GetBoolean());
        Assert.False(voice.GetProperty("transcription").GetBoolean());
        Assert.DoesNotContain(parley.Upstream.Requests, r => r.Path.StartsWith("/v1/audio", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_the_session_own_replies_are_read_and_unknown_or_expired_keys_are_refused()
    {
        var (parley, session) = await StartAsync();
        await using var running = parley;
        var replyId = await ReplyIdAsync(parley, session.AccessKey, "Mine");
        var userMessageId = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct))
            .GetProperty("data").GetProperty("messages")[0].GetProperty("id").GetGuid();
        var other = await parley.CreateSessionAsync(session.ClientId, new { expires = 600 });

        using (var elsewhere = await SpeakAsync(parley, other.AccessKey, replyId))
            await ApiAssert.ProblemAsync(elsewhere, HttpStatusCode.NotFound, "not_found");
        using (var userText = await SpeakAsync(parley, session.AccessKey, userMessageId))
            await ApiAssert.ProblemAsync(userText, HttpStatusCode.NotFound, "not_found");
        using (var noId = await parley.Anonymous.PostAsJsonAsync($"/api/v1/chat/{session.AccessKey}/speech", new { }, Ct))
            await ApiAssert.InvalidAsync(noId, "messageId");
        using (var unknown = await SpeakAsync(parley, "wky_" + new string('a', 43), replyId))
            await ApiAssert.ProblemAsync(unknown, HttpStatusCode.NotFound, "session_not_found");
        using (var unknownTranscription = await TranscribeAsync(parley, "wky_" + new string('a', 43), Recording))
            await ApiAssert.ProblemAsync(unknownTranscription, HttpStatusCode.NotFound, "session_not_found");

        parley.Clock.Advance(TimeSpan.FromSeconds(601));
        using (var expired = await TranscribeAsync(parley, other.AccessKey, Recording))
            await ApiAssert.ProblemAsync(expired, HttpStatusCode.Gone, "session_expired");
        using (var expiredSpeech = await SpeakAsync(parley, other.AccessKey, replyId))
            await ApiAssert.ProblemAsync(expiredSpeech, HttpStatusCode.Gone, "session_expired");
        Assert.DoesNotContain(parley.Upstream.Requests, r => r.Path.StartsWith("/v1/audio", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_recording_too_large_or_missing_is_refused_naming_the_file_field()
    {
        var (parley, session) = await StartAsync();
        await using var running = parley;

        using var tooLarge = await TranscribeAsync(parley, session.AccessKey, new byte[10_000_001]);
        var problem = await ApiAssert.ProblemAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge, "audio_too_large");
        Assert.True(problem.GetProperty("errors").TryGetProperty("file", out _), problem.ToString());

        using var empty = new MultipartFormDataContent { { new StringContent("hello"), "content" } };
        using var missing = await parley.Anonymous.PostAsync($"/api/v1/chat/{session.AccessKey}/transcriptions", empty, Ct);
        await ApiAssert.InvalidAsync(missing, "file");
        Assert.DoesNotContain(parley.Upstream.Requests, r => r.Path.StartsWith("/v1/audio", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Voice_requests_spend_the_same_per_key_allowance_as_messages()
    {
        var (parley, session) = await StartAsync(arguments: "--Parley:RateLimits:SessionRequestsPerMinute=4");
        await using var running = parley;
        var replyId = await ReplyIdAsync(parley, session.AccessKey, "Hi");   // 1

        using (var first = await SpeakAsync(parley, session.AccessKey, replyId)) Assert.Equal(HttpStatusCode.OK, first.StatusCode);   // 2
        using (var second = await TranscribeAsync(parley, session.AccessKey, Recording)) Assert.Equal(HttpStatusCode.OK, second.StatusCode);   // 3
        using (var message = await parley.OpenStreamAsync($"/api/v1/chat/{session.AccessKey}/messages", new { content = "again" }, Ct))
            Assert.Equal(HttpStatusCode.OK, message.StatusCode);   // 4

        using var refused = await TranscribeAsync(parley, session.AccessKey, Recording);
        await ApiAssert.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    [Fact]
    public async Task Characters_read_aloud_and_audio_transcribed_count_in_the_session_and_the_usage_report()
    {
        var (parley, session) = await StartAsync();
        await using var running = parley;
        var replyId = await ReplyIdAsync(parley, session.AccessKey, "Twelve chars");

        using (var speech = await SpeakAsync(parley, session.AccessKey, replyId)) await speech.Content.ReadAsByteArrayAsync(Ct);
        using (var heard = await TranscribeAsync(parley, session.AccessKey, Recording)) Assert.Equal(HttpStatusCode.OK, heard.StatusCode);

        var usage = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct))
            .GetProperty("data").GetProperty("voice").GetProperty("usage");
        Assert.Equal((1, 12, 1, Recording.Length),
            (usage.GetProperty("readAloud").GetInt64(), usage.GetProperty("readAloudCharacters").GetInt64(),
             usage.GetProperty("transcriptions").GetInt64(), usage.GetProperty("transcribedBytes").GetInt64()));

        var from = parley.Clock.GetUtcNow().UtcDateTime.AddHours(-1).ToString("o");
        var to = parley.Clock.GetUtcNow().UtcDateTime.AddHours(1).ToString("o");
        var report = await ApiAssert.DataAsync(await parley.Admin.GetAsync($"/api/v1/usage?from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}", Ct));
        var voice = report.GetProperty("voice");
        Assert.Equal(12, voice.GetProperty("readAloudCharacters").GetInt64());
        Assert.Equal(Recording.Length, voice.GetProperty("transcribedBytes").GetInt64());
    }

    [Fact]
    public async Task A_provider_failure_gets_the_code_and_sentence_of_a_failed_reply_and_its_words_stay_in_the_log()
    {
        var (parley, session) = await StartAsync();
        await using var running = parley;
        var replyId = await ReplyIdAsync(parley, session.AccessKey, "Hi");
        parley.Upstream.EnqueueAudio(ScriptedReply.Error(401, "Incorrect API key provided: sk-upstream-secret-123456"));
        parley.Upstream.EnqueueAudio(ScriptedReply.Error(400, "Unsupported audio format, account 4711"));

        using var speech = await SpeakAsync(parley, session.AccessKey, replyId);
        using var transcription = await TranscribeAsync(parley, session.AccessKey, Recording);

        var auth = await ApiAssert.ProblemAsync(speech, HttpStatusCode.BadGateway, "provider_auth_failed");
        var rejected = await ApiAssert.ProblemAsync(transcription, HttpStatusCode.BadGateway, "provider_rejected");
        Assert.DoesNotContain("sk-upstream", auth.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("4711", rejected.ToString(), StringComparison.Ordinal);
        Assert.Contains(parley.Logs.GetSnapshot(), r => r.Message.Contains("4711", StringComparison.Ordinal));
        Assert.DoesNotContain(parley.Logs.GetSnapshot(), r => r.Message.Contains("sk-upstream-secret-123456", StringComparison.Ordinal));
    }
}

public sealed class VoiceOnSqlite() : VoiceTests(DatabaseKind.Sqlite);

public sealed class VoiceOnPostgres() : VoiceTests(DatabaseKind.Postgres);
