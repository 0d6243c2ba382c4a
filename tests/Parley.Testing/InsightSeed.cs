using Microsoft.EntityFrameworkCore;
using Parley.ChatClients;
using Parley.Data;
using Parley.Sessions;

namespace Parley.Testing;

/// <summary>A message to store as it is, with its time, tokens and marks.</summary>
public sealed record SeedMessage(
    MessageRole Role, string Content, DateTime At, int InputTokens = 0, int OutputTokens = 0,
    MessageStatus Status = MessageStatus.Complete, string? ErrorCode = null, string? Feedback = null, string? FeedbackComment = null);

/// <summary>
/// Sessions and messages written straight into Parley's database, at the times a test chooses: usage, logs and the
/// sessions table are about history, which the API only makes at the present moment.
/// </summary>
public static class InsightSeed
{
    public static async Task<Guid> ClientAsync(TestParley parley, string name, Guid? gatewayId = null)
    {
        gatewayId ??= await parley.CreateGatewayAsync();
        await using var scope = parley.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        var client = new ChatClient { Name = name, AiGatewayId = gatewayId.Value, ClientParameters = new(), LimitingParameters = new(), CreatedAt = DateTime.UtcNow };
        db.ChatClients.Add(client);
        await db.SaveChangesAsync();
        return client.Id;
    }

    public static async Task<Guid> SessionAsync(TestParley parley, Guid clientId, DateTime createdAt, string? tag = null,
        string channel = SessionChannels.Web, string? extraContext = null, params SeedMessage[] messages)
    {
        await using var scope = parley.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        var session = Add(db, clientId, createdAt, tag, channel, extraContext, messages);
        await db.SaveChangesAsync();
        return session.Id;
    }

    /// <summary>Many sessions at once, a batch per save; <paramref name="make"/> describes the i-th.</summary>
    public static async Task ManyAsync(TestParley parley, int count,
        Func<int, (Guid ClientId, DateTime CreatedAt, string? Tag, string Channel, string? ExtraContext, SeedMessage[] Messages)> make)
    {
        const int Batch = 2_000;
        for (var first = 0; first < count; first += Batch)
        {
            await using var scope = parley.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDb>();
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            for (var i = first; i < Math.Min(first + Batch, count); i++)
            {
                var s = make(i);
                Add(db, s.ClientId, s.CreatedAt, s.Tag, s.Channel, s.ExtraContext, s.Messages);
            }
            await db.SaveChangesAsync();
        }
        await using var last = parley.Services.CreateAsyncScope();
        var database = last.ServiceProvider.GetRequiredService<AppDb>();
        await database.Database.ExecuteSqlRawAsync(database.Database.IsNpgsql() ? "ANALYZE" : "ANALYZE");
    }

    static Session Add(AppDb db, Guid clientId, DateTime createdAt, string? tag, string channel, string? extraContext, SeedMessage[] messages)
    {
        var session = new Session
        {
            // History: none of these holds its tag's slot, so a tag may come back in many sessions, as over years.
            ChatClientId = clientId, Tag = tag, ActiveTag = null, Channel = channel, ExtraContext = extraContext, CreatedAt = createdAt,
            LastMessageAt = messages.Length > 0 ? messages.Max(m => m.At) : createdAt, ExpiresAt = createdAt.AddDays(1),
            InputTokens = messages.Sum(m => m.InputTokens), OutputTokens = messages.Sum(m => m.OutputTokens),
        };
        db.Sessions.Add(session);
        foreach (var m in messages)
        {
            db.Messages.Add(new Message
            {
                SessionId = session.Id, Role = m.Role, Content = m.Content, CreatedAt = m.At, Status = m.Status,
                InputTokens = m.InputTokens, OutputTokens = m.OutputTokens, ErrorCode = m.ErrorCode,
                Error = m.ErrorCode is null ? null : "The provider failed.",
                UsageSource = m.InputTokens + m.OutputTokens > 0 ? UsageSource.Provider : UsageSource.None,
                FeedbackRating = m.Feedback, FeedbackComment = m.FeedbackComment, FeedbackAt = m.Feedback is null ? null : m.At.AddMinutes(1),
            });
        }
        return session;
    }
}
