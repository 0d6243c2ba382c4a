using System.Text.Json;
using Parley.OperatorConsole.Chats;
using Parley.Testing;
using Parley.Testing.Upstream;

namespace Parley.Tests.OperatorConsole;

/// <summary>The Chats workspace's reads on both databases: the sessions list, its search and the unread markers.</summary>
public abstract class ChatsWorkspaceTests(DatabaseKind kind)
{
    const string Admin = SessionSeen.AdminReader;

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Search_finds_sessions_by_tag_assistant_name_and_the_words_of_their_messages()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var acme = await CreateClientAsync(parley, "Acme Support");
        var billing = await CreateClientAsync(parley, "Billing Bot");
        var parcel = await parley.CreateSessionAsync(acme, new { tag = "order-4711" });
        parley.Upstream.Enqueue(ScriptedReply.Text("It ships ", "tomorrow."));
        await parley.SendAsync(parcel.AccessKey, "Where is my parcel?", Ct);
        var refund = await parley.CreateSessionAsync(billing, new { tag = "user-42" });
        await parley.SendAsync(refund.AccessKey, "I want a refund, please", Ct);
        var greeting = await parley.CreateSessionAsync(acme);
        await parley.SendAsync(greeting.AccessKey, "hello", Ct);
        var workspace = Workspace(parley);

        Assert.Equal([parcel.SessionId], await FindAsync(workspace, "4711"));
        Assert.Equal([refund.SessionId], await FindAsync(workspace, "billing"));
        Assert.Equal([greeting.SessionId, parcel.SessionId], await FindAsync(workspace, "acme"));
        Assert.Equal([refund.SessionId], await FindAsync(workspace, "refun"));
        Assert.Equal([parcel.SessionId], await FindAsync(workspace, "PARCEL where"));
        Assert.Equal([parcel.SessionId], await FindAsync(workspace, "tomorrow"));
        Assert.Equal([refund.SessionId], await FindAsync(workspace, "\"refund*)( : & !"));
        Assert.Empty(await FindAsync(workspace, "parcel refund"));
        Assert.Equal([greeting.SessionId, refund.SessionId, parcel.SessionId], await FindAsync(workspace, " "));

        // What a user cleared is no longer theirs to find; a deleted session is gone from the index.
        using (var cleared = await parley.Anonymous.DeleteAsync($"/api/v1/chat/{greeting.AccessKey}/messages", Ct)) cleared.EnsureSuccessStatusCode();
        Assert.Empty(await FindAsync(workspace, "hello"));
        Assert.True(await workspace.DeleteAsync(refund.SessionId, Ct));
        Assert.Empty(await FindAsync(workspace, "refund"));
        Assert.Empty(await FindAsync(workspace, "user-42"));

        // A reply answered again is found by its new words only.
        parley.Upstream.Enqueue(ScriptedReply.Text("It arrives on ", "Friday."));
        using (var retried = await parley.Anonymous.PostAsync($"/api/v1/chat/{parcel.AccessKey}/retry", null, Ct))
            Assert.Equal("It arrives on Friday.", (await SseResponse.ReadAsync(retried, Ct)).Text);
        Assert.Equal([parcel.SessionId], await FindAsync(workspace, "friday"));
        Assert.Empty(await FindAsync(workspace, "tomorrow"));
    }

    [Fact]
    public async Task A_session_is_unread_for_each_reader_until_they_open_it_and_again_after_a_new_message()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var session = await parley.CreateSessionAsync();
        var workspace = Workspace(parley);
        Assert.False((await workspace.RowAsync(session.SessionId, Admin, Ct))!.Unread);

        await parley.SendAsync(session.AccessKey, "anyone there?", Ct);
        var row = (await workspace.RowAsync(session.SessionId, Admin, Ct))!;
        Assert.True(row.Unread);
        Assert.Equal("echo: anyone there?", row.Preview);
        Assert.Equal("web", row.Channel);

        using (var opened = (await workspace.OpenAsync(session.SessionId, Admin, Ct))!.Thread)
        {
            Assert.Equal(["anyone there?", "echo: anyone there?"], opened.Entries.Select(e => e.Content));
            Assert.Null(opened.Entries[0].Delivery);
        }
        Assert.False((await workspace.RowAsync(session.SessionId, Admin, Ct))!.Unread);
        Assert.True((await workspace.RowAsync(session.SessionId, Guid.NewGuid().ToString(), Ct))!.Unread);

        parley.Clock.Advance(TimeSpan.FromSeconds(5));
        await parley.SendAsync(session.AccessKey, "still there?", Ct);
        Assert.True((await workspace.RowAsync(session.SessionId, Admin, Ct))!.Unread);
    }

    [Fact]
    public async Task The_list_comes_a_page_at_a_time_newest_first()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync();
        var created = new List<Guid>();
        for (var i = 0; i < ChatsWorkspace.PageSize + 3; i++)
        {
            parley.Clock.Advance(TimeSpan.FromSeconds(1));
            created.Add((await parley.CreateSessionAsync(client)).SessionId);
        }
        var workspace = Workspace(parley);

        var (first, more) = await workspace.SessionsAsync(null, 0, Admin, Ct);
        var (second, more2) = await workspace.SessionsAsync(null, first.Count, Admin, Ct);

        Assert.True(more);
        Assert.False(more2);
        Assert.Equal(Enumerable.Reverse(created), first.Concat(second).Select(r => r.Id));
        Assert.All(first, r => Assert.Equal("Test client", r.Assistant.Name));
    }

    [Fact]
    public async Task A_console_chat_is_a_console_session_whose_messages_go_through_the_conversation_core()
    {
        await using var parley = await TestParley.StartAsync(kind);
        var client = await parley.CreateChatClientAsync(limitingParameters: new { maxMessages = 1 });
        var workspace = Workspace(parley);

        var sessionId = (await workspace.StartAsync(client, Ct))!.Value;
        using var thread = (await workspace.OpenAsync(sessionId, Admin, Ct))!.Thread;
        Assert.Equal("console", thread.Row.Channel);
        Assert.True(await thread.SendAsync("first"));
        Assert.False(await thread.SendAsync("second"));

        Assert.Equal("max_messages_reached", thread.Refusal?.Code);
        Assert.Equal([Delivery.Read, null], thread.Entries.Select(e => e.Delivery));
        Assert.Equal("echo: first", thread.Entries[^1].Content);
        var transcript = await workspace.TranscriptAsync(sessionId, Ct);
        Assert.Equal(["first", "echo: first"], transcript!.Value.Messages.Select(m => m.Content));
        Assert.Null(await workspace.StartAsync(Guid.NewGuid(), Ct));
    }

    static ChatsWorkspace Workspace(TestParley parley) =>
        new(parley.Services.GetRequiredService<IServiceScopeFactory>(), parley.Services.GetRequiredService<TimeProvider>());

    static async Task<IReadOnlyList<Guid>> FindAsync(ChatsWorkspace workspace, string search) =>
        [.. (await workspace.SessionsAsync(search, 0, Admin, Ct)).Rows.Select(r => r.Id)];

    static async Task<Guid> CreateClientAsync(TestParley parley, string name)
    {
        using var response = await parley.Admin.PostAsJsonAsync("/api/v1/web-chat-client",
            new { name, aiGatewayId = await parley.CreateGatewayAsync(), clientParameters = new { }, limitingParameters = new { } }, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return body.GetProperty("data").GetProperty("id").GetGuid();
    }
}

public sealed class ChatsWorkspaceOnSqlite() : ChatsWorkspaceTests(DatabaseKind.Sqlite);

public sealed class ChatsWorkspaceOnPostgres() : ChatsWorkspaceTests(DatabaseKind.Postgres);
