using System.Text.Json;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Parley.Admin;
using Parley.ChatClients;
using Parley.Gateways;
using Parley.Integrations;
using Parley.OperatorConsole;
using Parley.OperatorConsole.Chats;
using Parley.Sessions;

namespace Parley.Data;

/// <summary>The one database context; <see cref="SqliteAppDb"/> and <see cref="PostgresAppDb"/> only carry their own migrations.</summary>
public abstract class AppDb(DbContextOptions options)
    : IdentityDbContext<OperatorAccount, IdentityRole<Guid>, Guid>(options), IDataProtectionKeyContext
{
    public DbSet<AdminKey> AdminKeys => Set<AdminKey>();
    public DbSet<AiGateway> Gateways => Set<AiGateway>();
    public DbSet<ChatClient> ChatClients => Set<ChatClient>();
    public DbSet<Session> Sessions => Set<Session>();
    public DbSet<SessionKey> SessionKeys => Set<SessionKey>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<Integration> Integrations => Set<Integration>();
    public DbSet<InboundMessage> InboundMessages => Set<InboundMessage>();
    public DbSet<ChannelChat> ChannelChats => Set<ChannelChat>();
    public DbSet<ContinuationCode> ContinuationCodes => Set<ContinuationCode>();
    public DbSet<SessionSeen> SessionsSeen => Set<SessionSeen>();
    public DbSet<Insight.UsageDay> UsageDays => Set<Insight.UsageDay>();
    public DbSet<Attachments.Attachment> Attachments => Set<Attachments.Attachment>();
    public DbSet<Attachments.StoredBlob> Blobs => Set<Attachments.StoredBlob>();
    public DbSet<Voice.VoiceUse> VoiceUses => Set<Voice.VoiceUse>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        // Operator accounts, their roles and lockout: ASP.NET Core Identity's tables.
        base.OnModelCreating(builder);
        builder.Entity<OperatorAccount>().Property(o => o.DisplayName).HasMaxLength(100);

        builder.Entity<AdminKey>(e =>
        {
            e.HasKey(k => k.Hash);
            e.Property(k => k.Hash).HasMaxLength(64);
        });

        builder.Entity<AiGateway>(e =>
        {
            e.Property(g => g.Name).HasMaxLength(200);
            e.Property(g => g.Revision).IsConcurrencyToken();
            StoreAsJson(e.Property(g => g.Parameters));
        });

        builder.Entity<ChatClient>(e =>
        {
            e.Property(c => c.Name).HasMaxLength(200);
            e.HasOne<AiGateway>().WithMany().HasForeignKey(c => c.AiGatewayId).OnDelete(DeleteBehavior.Restrict);
            StoreAsJson(e.Property(c => c.ClientParameters));
            StoreAsJson(e.Property(c => c.LimitingParameters));
        });

        builder.Entity<Session>(e =>
        {
            e.HasOne<ChatClient>().WithMany().HasForeignKey(s => s.ChatClientId).OnDelete(DeleteBehavior.Cascade);
            e.Property(s => s.Tag).HasMaxLength(200);
            e.Property(s => s.ActiveTag).HasMaxLength(200);
            e.Property(s => s.Channel).HasMaxLength(16).HasDefaultValue(SessionChannels.Web);
            e.Property(s => s.TakenOverBy).HasMaxLength(64);
            e.Property(s => s.TakenOverName).HasMaxLength(100);
            // One session per tag may hold the tag's slot at a time: this index is what makes two
            // concurrent "create by tag" calls end with one session.
            e.HasIndex(s => new { s.ChatClientId, s.ActiveTag }).IsUnique();
            e.HasIndex(s => new { s.ChatClientId, s.Tag });
            e.HasIndex(s => new { s.ChatClientId, s.CreatedAt });
            // The console lists every client's sessions, the one with the newest message first.
            e.HasIndex(s => s.LastMessageAt);
            // The Sessions page of one client, by last activity.
            e.HasIndex(s => new { s.ChatClientId, s.LastMessageAt });
        });

        builder.Entity<SessionSeen>(e =>
        {
            e.HasKey(x => new { x.SessionId, x.Reader });
            e.Property(x => x.Reader).HasMaxLength(64);
            e.HasOne<Session>().WithMany().HasForeignKey(x => x.SessionId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<SessionKey>(e =>
        {
            e.HasKey(k => k.Hash);
            e.Property(k => k.Hash).HasMaxLength(64);
            e.HasOne<Session>().WithMany().HasForeignKey(k => k.SessionId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Message>(e =>
        {
            e.HasOne<Session>().WithMany().HasForeignKey(m => m.SessionId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(m => new { m.SessionId, m.CreatedAt });
            e.Ignore(m => m.Files);
            StoreAsJson(e.Property(m => m.Research!));
            // A usage report for a range inside days adds up its messages: this index holds all it reads, not the text.
            e.HasIndex(m => new { m.CreatedAt, m.SessionId, m.InputTokens, m.OutputTokens });
            // The Feedback page: the thumbs down, newest first, without reading every message. Only rated messages
            // are in it, so writing a message (the conversation's hot path) never touches it.
            e.HasIndex(m => new { m.FeedbackRating, m.FeedbackAt }).HasFilter("\"FeedbackRating\" IS NOT NULL");
            // The logs' "has an error" and "incomplete replies" filters read the few sessions these hold, never
            // every message; like the one above, a message that went well is in neither.
            e.HasIndex(m => m.SessionId, "IX_Messages_SessionId_Errors").HasFilter("\"ErrorCode\" IS NOT NULL");
            e.HasIndex(m => m.SessionId, "IX_Messages_SessionId_Incomplete").HasFilter("\"Status\" = 'Incomplete'");
            // The console's search by message text has a full-text index of Content: a GIN index in PostgreSQL
            // (PostgresAppDb), and in SQLite an FTS5 table that triggers on this table keep in step (migration
            // ChatsWorkspace). The daily usage roll-up (UsageDay) is kept by triggers on this table too (migration
            // Insight). A migration that rebuilds this table in SQLite drops those triggers: create them again.
            e.Property(m => m.Role).HasConversion<string>().HasMaxLength(16);
            e.Property(m => m.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(m => m.UsageSource).HasConversion<string>().HasMaxLength(16);
            e.Property(m => m.FinishReason).HasMaxLength(32);
            e.Property(m => m.ErrorCode).HasMaxLength(64);
            e.Property(m => m.FeedbackRating).HasMaxLength(8);
            e.Property(m => m.FeedbackComment).HasMaxLength(2000);
            e.Property(m => m.AuthorId).HasMaxLength(64);
            e.Property(m => m.AuthorName).HasMaxLength(100);
        });

        builder.Entity<Attachments.Attachment>(e =>
        {
            e.HasOne<Message>().WithMany().HasForeignKey(a => a.MessageId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(a => a.MessageId);
            e.HasIndex(a => a.SessionId);
            // Deleting a session asks which of its blobs no other message uses.
            e.HasIndex(a => a.Sha256);
            e.Property(a => a.Name).HasMaxLength(255);
            e.Property(a => a.ContentType).HasMaxLength(100);
            e.Property(a => a.Sha256).HasMaxLength(64);
        });

        builder.Entity<Attachments.StoredBlob>(e =>
        {
            e.HasKey(b => b.Sha256);
            e.Property(b => b.Sha256).HasMaxLength(64);
        });

        builder.Entity<Voice.VoiceUse>(Voice.VoiceUse.Map);

        builder.Entity<Insight.UsageDay>(e =>
        {
            e.HasKey(u => new { u.SessionId, u.Day });
            e.Property(u => u.Channel).HasMaxLength(16);
            e.Property(u => u.Tag).HasMaxLength(200);
            e.HasOne<Session>().WithMany().HasForeignKey(u => u.SessionId).OnDelete(DeleteBehavior.Cascade);
            // A range of days, with every figure the report adds up, read from the index alone.
            e.HasIndex(u => new { u.Day, u.SessionId, u.Messages, u.InputTokens, u.OutputTokens });
        });

        OnIntegrationsCreating(builder);
    }

    static void OnIntegrationsCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Integration>(e =>
        {
            e.HasOne<ChatClient>().WithMany().HasForeignKey(i => i.ChatClientId).OnDelete(DeleteBehavior.Cascade);
            e.Property(i => i.Type).HasConversion<string>().HasMaxLength(16);
            e.Property(i => i.WebhookSecret).HasMaxLength(64);
            e.Property(i => i.Address).HasMaxLength(200);
            e.Property(i => i.Status).HasMaxLength(500);
            StoreAsJson(e.Property(i => i.Settings));
            StoreAsJson(e.Property(i => i.SecretHints));
            e.HasIndex(i => i.ChatClientId);
        });

        modelBuilder.Entity<InboundMessage>(e =>
        {
            e.HasOne<Integration>().WithMany().HasForeignKey(m => m.IntegrationId).OnDelete(DeleteBehavior.Cascade);
            e.Property(m => m.ChatId).HasMaxLength(100);
            e.Property(m => m.MessageId).HasMaxLength(200);
            e.Property(m => m.Kind).HasConversion<string>().HasMaxLength(16);
            e.Property(m => m.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(m => m.SenderName).HasMaxLength(200);
            e.Property(m => m.LastError).HasMaxLength(1000);
            // A delivery the app repeats (a webhook retried, a poll seen twice) finds its update already here.
            e.HasIndex(m => new { m.IntegrationId, m.MessageId }).IsUnique();
            e.HasIndex(m => new { m.Status, m.NextAttemptAt });
            e.HasIndex(m => new { m.IntegrationId, m.ChatId, m.ReceivedAt });
        });

        modelBuilder.Entity<ChannelChat>(e =>
        {
            e.HasOne<Integration>().WithMany().HasForeignKey(c => c.IntegrationId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Session>().WithMany().HasForeignKey(c => c.SessionId).OnDelete(DeleteBehavior.SetNull);
            e.Property(c => c.ChatId).HasMaxLength(100);
            e.Property(c => c.Tag).HasMaxLength(200);
            e.Property(c => c.DisplayName).HasMaxLength(200);
            e.HasIndex(c => new { c.IntegrationId, c.ChatId }).IsUnique();
        });

        modelBuilder.Entity<ContinuationCode>(e =>
        {
            e.HasKey(c => c.Code);
            e.Property(c => c.Code).HasMaxLength(32);
            e.HasOne<Session>().WithMany().HasForeignKey(c => c.SessionId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    // Parameter blocks are read and written whole and never queried by field, so one JSON text column
    // keeps the schema stable while the blocks grow new fields.
    static void StoreAsJson<T>(PropertyBuilder<T> property) where T : class => property
        .HasConversion(
            value => JsonSerializer.Serialize(value, JsonSerializerOptions.Web),
            json => JsonSerializer.Deserialize<T>(json, JsonSerializerOptions.Web)!,
            new ValueComparer<T>(
                (a, b) => JsonSerializer.Serialize(a, JsonSerializerOptions.Web) == JsonSerializer.Serialize(b, JsonSerializerOptions.Web),
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Web).GetHashCode(StringComparison.Ordinal),
                v => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(v, JsonSerializerOptions.Web), JsonSerializerOptions.Web)!));
}

public sealed class SqliteAppDb(DbContextOptions<SqliteAppDb> options) : AppDb(options)
{
    // SQLite keeps no time zone; every time Parley stores is UTC, so say so when reading it back.
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
}

public sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    value => value.ToUniversalTime(), value => DateTime.SpecifyKind(value, DateTimeKind.Utc));

public sealed class PostgresAppDb(DbContextOptions<PostgresAppDb> options) : AppDb(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // Exactly the expression SessionSearch queries, or PostgreSQL would not use the index.
        builder.Entity<Message>().HasIndex(m => m.Content, "IX_Messages_Content_FullText")
            .HasMethod("GIN").IsTsVectorExpressionIndex(SessionSearch.TextSearchConfig);
    }
}
