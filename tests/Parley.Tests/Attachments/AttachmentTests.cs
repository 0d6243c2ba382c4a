using System.Net;
using System.Text;
using System.Text.Json;
using Parley.Attachments;
using Parley.Testing;
using Parley.Testing.Upstream;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Parley.Tests.Attachments;

/// <summary>Files sent with a message over the session API: what reaches the model, what is kept, what is refused.</summary>
public abstract class AttachmentTests(DatabaseKind kind)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    async Task<(TestParley Parley, CreatedSession Session)> StartAsync(bool acceptsImages = true, object? limits = null)
    {
        var parley = await TestParley.StartAsync(kind);
        var gateway = await parley.CreateGatewayAsync(new
        {
            baseAddress = parley.Upstream.BaseAddress, apiKey = "sk-upstream-secret-123456", modelName = "gpt-4o-mini", acceptsImages,
        });
        var client = await parley.CreateChatClientAsync(gateway, new { allowAttachments = true }, limits);
        return (parley, await parley.CreateSessionAsync(client));
    }

    static async Task<SseResponse> SendAsync(TestParley parley, string accessKey, string content, params (string Name, byte[] Data)[] files)
    {
        using var response = await parley.OpenStreamAsync($"/api/v1/chat/{accessKey}/messages",
            new { content, attachments = files.Select(f => new { name = f.Name, data = f.Data }) }, Ct);
        return await SseResponse.ReadAsync(response, Ct);
    }

    [Fact]
    public async Task An_image_reaches_the_model_as_an_image_part_and_documents_as_their_text_and_all_are_kept()
    {
        var (parley, session) = await StartAsync();
        await using var _ = parley;
        var pdf = PdfWith("Invoice 4711, due in March.");

        var sent = await SendAsync(parley, session.AccessKey, "What do you see?",
            ("photo.png", Png), ("notes.md", "# Notes\nThe order ships Friday."u8.ToArray()), ("invoice.pdf", pdf));
        Assert.Equal("done", sent.Last.Type);

        var user = parley.Upstream.Requests[^1].Body.GetProperty("messages").EnumerateArray().Last(m => m.GetProperty("role").GetString() == "user");
        var parts = user.GetProperty("content").EnumerateArray().ToList();
        Assert.Equal("What do you see?", parts[0].GetProperty("text").GetString());
        Assert.StartsWith("data:image/png;base64,", parts.Single(p => p.GetProperty("type").GetString() == "image_url").GetProperty("image_url").GetProperty("url").GetString());
        var texts = string.Concat(parts.Where(p => p.GetProperty("type").GetString() == "text").Select(p => p.GetProperty("text").GetString()));
        Assert.Contains("File notes.md:\n# Notes\nThe order ships Friday.", texts, StringComparison.Ordinal);
        Assert.Contains("File invoice.pdf:", texts, StringComparison.Ordinal);
        Assert.Contains("Invoice 4711, due in March.", texts, StringComparison.Ordinal);

        // Kept with the message, after a restart too, and served back to the session's key only.
        await parley.RestartAsync();
        var view = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct)).GetProperty("data");
        var listed = view.GetProperty("messages")[0].GetProperty("attachments").EnumerateArray().ToList();
        Assert.Equal(["photo.png", "notes.md", "invoice.pdf"], listed.Select(a => a.GetProperty("name").GetString()));
        Assert.Equal(["image/png", "text/markdown", "application/pdf"], listed.Select(a => a.GetProperty("contentType").GetString()));
        Assert.Equal(Png.Length, listed[0].GetProperty("size").GetInt64());
        using var image = await parley.Anonymous.GetAsync(listed[0].GetProperty("url").GetString(), Ct);
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Png, await image.Content.ReadAsByteArrayAsync(Ct));
        var other = await parley.CreateSessionAsync();
        using var elsewhere = await parley.Anonymous.GetAsync($"/api/v1/chat/{other.AccessKey}/attachments/{listed[0].GetProperty("id").GetGuid()}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);

        // The next turn still shows the model the image.
        parley.Upstream.Enqueue(ScriptedReply.Text("Still a pixel."));
        await parley.SendAsync(session.AccessKey, "And now?", Ct);
        Assert.Contains("image_url", parley.Upstream.Requests[^1].Body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_that_break_a_rule_are_refused_before_anything_is_stored_or_sent()
    {
        var (parley, session) = await StartAsync(acceptsImages: false, limits: new { maxAttachmentBytes = 200, maxAttachmentsPerMessage = 2 });
        await using var _ = parley;

        var program = await SendAsync(parley, session.AccessKey, "run this", ("setup.txt", [0x4D, 0x5A, 0x90, 0x00, 0x03]));
        Assert.Equal(HttpStatusCode.BadRequest, program.Status);
        Assert.Equal("attachment_type_refused", program.ProblemCode);
        var image = await SendAsync(parley, session.AccessKey, "look", ("photo.png", Png));
        Assert.Equal("images_not_accepted", image.ProblemCode);
        var large = await SendAsync(parley, session.AccessKey, "read", ("big.txt", Encoding.UTF8.GetBytes(new string('a', 201))));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.Status);
        Assert.Equal("attachment_too_large", large.ProblemCode);
        var many = await SendAsync(parley, session.AccessKey, "read", ("a.txt", "a"u8.ToArray()), ("b.txt", "b"u8.ToArray()), ("c.txt", "c"u8.ToArray()));
        Assert.Equal("too_many_attachments", many.ProblemCode);

        var plain = await parley.CreateSessionAsync();
        var refused = await SendAsync(parley, plain.AccessKey, "read", ("a.txt", "a"u8.ToArray()));
        Assert.Equal("attachments_not_allowed", refused.ProblemCode);

        Assert.Empty(parley.Upstream.Requests);
        var view = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct)).GetProperty("data");
        Assert.Equal(0, view.GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task A_file_larger_than_the_usual_body_limit_goes_through_when_the_client_allows_it()
    {
        var (parley, session) = await StartAsync(limits: new { maxAttachmentBytes = 3_000_000 });
        await using var _ = parley;
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("A line of the long report.\n", 80_000)));
        Assert.True(text.Length > 2_000_000);

        var sent = await SendAsync(parley, session.AccessKey, "Summarise", ("report.txt", text));

        Assert.Equal("done", sent.Last.Type);
        Assert.Contains("File report.txt:", parley.Upstream.Requests[^1].Body.GetRawText(), StringComparison.Ordinal);

        // A chat client that takes no files keeps the usual body limit.
        var plain = await parley.CreateSessionAsync();
        var refused = await SendAsync(parley, plain.AccessKey, "Summarise", ("report.txt", text));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.Status);
    }

    [Fact]
    public async Task A_message_sent_as_a_form_with_files_is_the_same_message()
    {
        var (parley, session) = await StartAsync();
        await using var _ = parley;
        using var form = new MultipartFormDataContent
        {
            { new StringContent("What is in these?"), "content" },
            { new ByteArrayContent(Png), "files", "photo.png" },
            { new ByteArrayContent("id,total\n1,30\n"u8.ToArray()), "files", "orders.csv" },
        };
        using var response = await parley.Anonymous.PostAsync($"/api/v1/chat/{session.AccessKey}/messages", form, Ct);
        var read = await SseResponse.ReadAsync(response, Ct);
        Assert.True(read.Events.Count > 0, $"{(int)read.Status}: {read.Problem}");
        Assert.Equal("done", read.Last.Type);

        var body = parley.Upstream.Requests[^1].Body.GetRawText();
        Assert.Contains("data:image/png;base64,", body, StringComparison.Ordinal);
        Assert.Contains(@"File orders.csv:\nid,total\n1,30", body, StringComparison.Ordinal);
        var view = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct)).GetProperty("data");
        Assert.Equal("What is in these?", view.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal(["image/png", "text/csv"], view.GetProperty("messages")[0].GetProperty("attachments").EnumerateArray().Select(a => a.GetProperty("contentType").GetString()));

        using var empty = new MultipartFormDataContent { { new StringContent(" "), "content" } };
        using var refused = await parley.Anonymous.PostAsync($"/api/v1/chat/{session.AccessKey}/messages", empty, Ct);
        await Parley.Tests.Hosting.ApiAssert.InvalidAsync(refused, "content");
    }

    [Fact]
    public async Task A_file_is_stored_once_and_deleted_with_the_last_session_that_used_it()
    {
        var (parley, first) = await StartAsync();
        await using var _ = parley;
        var second = await parley.CreateSessionAsync(first.ClientId);
        await SendAsync(parley, first.AccessKey, "one", ("photo.png", Png));
        await SendAsync(parley, second.AccessKey, "two", ("same.png", Png));
        var blobs = parley.Services.GetRequiredService<IBlobStore>();
        var sha256 = Blobs.Sha256(Png);

        (await parley.Admin.DeleteAsync($"/api/v1/web-chat-client/{first.ClientId}/sessions/{first.SessionId}", Ct)).EnsureSuccessStatusCode();
        Assert.NotNull(await blobs.GetAsync(sha256, Ct));
        (await parley.Anonymous.DeleteAsync($"/api/v1/chat/{second.AccessKey}/messages", Ct)).EnsureSuccessStatusCode();
        Assert.Null(await blobs.GetAsync(sha256, Ct));
    }

    [Fact]
    public async Task Transcripts_and_exports_list_each_file_with_a_link_that_serves_it_to_their_reader()
    {
        var (parley, session) = await StartAsync();
        await using var _ = parley;
        await SendAsync(parley, session.AccessKey, "Here it is", ("photo [1].png", Png));

        var markdown = await parley.Anonymous.GetStringAsync($"/api/v1/chat/{session.AccessKey}/transcript?format=md", Ct);
        Assert.Matches(@"- File: \[photo \\\[1\\\]\.png\]\(/api/v1/chat/[^/]+/attachments/[0-9a-f-]{36}\) · image/png · \d+ bytes", markdown);
        var line = JsonDocument.Parse((await parley.Anonymous.GetStringAsync($"/api/v1/chat/{session.AccessKey}/transcript?format=jsonl", Ct)).Split('\n')[0]);
        Assert.Equal("photo [1].png", line.RootElement.GetProperty("attachments")[0].GetProperty("name").GetString());

        // The admin key reads the same files through the admin API's own link, in the transcript and in the log export.
        var path = $"/api/v1/web-chat-client/{session.ClientId}/sessions/{session.SessionId}";
        var adminLine = JsonDocument.Parse((await parley.Admin.GetStringAsync($"{path}/transcript?format=jsonl", Ct)).Split('\n')[0]);
        var adminUrl = adminLine.RootElement.GetProperty("attachments")[0].GetProperty("url").GetString()!;
        Assert.StartsWith($"{path}/attachments/", adminUrl, StringComparison.Ordinal);
        Assert.Equal(Png, await parley.Admin.GetByteArrayAsync(adminUrl, Ct));
        using var withoutKey = await parley.Anonymous.GetAsync(adminUrl, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        var export = await parley.Admin.GetStringAsync($"/api/v1/logs/export?format=jsonl&clientId={session.ClientId}", Ct);
        var exported = JsonDocument.Parse(export.Split('\n')[0]).RootElement.GetProperty("message").GetProperty("attachments")[0];
        Assert.Equal(adminUrl, exported.GetProperty("url").GetString());
    }

    [Fact]
    public async Task Images_in_a_reply_become_its_files_and_its_stored_text_keeps_no_base64()
    {
        var (parley, session) = await StartAsync();
        await using var _ = parley;
        var dataUrl = "data:image/png;base64," + Convert.ToBase64String(Png);
        parley.Upstream.Enqueue(ScriptedReply.Text("Here is the chart:\n\n![Sales chart](", dataUrl[..40], dataUrl[40..], ")\n\nAnd a sketch: ![](",
            dataUrl, ")"));

        var sent = await SendAsync(parley, session.AccessKey, "Draw me the sales");
        Assert.Equal("done", sent.Last.Type);

        var reply = (await parley.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/chat/{session.AccessKey}", Ct)).GetProperty("data").GetProperty("messages")[1];
        Assert.Equal("Here is the chart:\n\n\n\nAnd a sketch:", reply.GetProperty("content").GetString());
        var files = reply.GetProperty("attachments").EnumerateArray().ToList();
        Assert.Equal(["Sales chart.png", "image-2.png"], files.Select(f => f.GetProperty("name").GetString()).ToList());
        Assert.Equal(Png, await parley.Anonymous.GetByteArrayAsync(files[0].GetProperty("url").GetString(), Ct));

        // The next turn shows the model its earlier words, not megabytes of base64.
        parley.Upstream.Enqueue(ScriptedReply.Text("Sure."));
        await SendAsync(parley, session.AccessKey, "Thanks");
        Assert.DoesNotContain("base64", parley.Upstream.Requests[^1].Body.GetRawText(), StringComparison.Ordinal);
    }

    static byte[] PdfWith(string text)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        builder.AddPage(UglyToad.PdfPig.Content.PageSize.A4).AddText(text, 12, new UglyToad.PdfPig.Core.PdfPoint(50, 700), font);
        return builder.Build();
    }
}

public sealed class AttachmentsOnSqlite() : AttachmentTests(DatabaseKind.Sqlite);

public sealed class AttachmentsOnPostgres() : AttachmentTests(DatabaseKind.Postgres);
