using System.Text.Json;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Parley.Admin;
using Parley.ChatClients;
using Parley.Gateways;
using Parley.Sessions;

namespace Parley.Data;

/// <summary>The one database context; <see cref="SqliteAppDb"/> and <see cref="PostgresAppDb"/> only carry their own migrations.</summary>
public abstract class AppDb(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<AdminKey> AdminKeys => Set<AdminKey>();
    public DbSet<AiGateway> Gateways => Set<AiGateway>();
    public DbSet<ChatClient> ChatClients => Set<ChatClient>();
    public DbSet<Session> Sessions => Set<Session>();
    public DbSet<SessionKey> SessionKeys => Set<SessionKey>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AdminKey>(e =>
        {
            e.HasKey(k => k.Hash);
            e.Property(k => k.Hash).HasMaxLength(64);
        });

        modelBuilder.Entity<AiGateway>(e =>
        {
            e.Property(g => g.Name).HasMaxLength(200);
            e.Property(g => g.Revision).IsConcurrencyToken();
            StoreAsJson(e.Property(g => g.Parameters));
        });

        modelBuilder.Entity<ChatClient>(e =>
        {
            e.Property(c => c.Name).HasMaxLength(200);
            e.HasOne<AiGateway>().WithMany().HasForeignKey(c => c.AiGatewayId).OnDelete(DeleteBehavior.Restrict);
            StoreAsJson(e.Property(c => c.ClientParameters));
            StoreAsJson(e.Property(c => c.LimitingParameters));
        });

        modelBuilder.Entity<Session>(e =>
        {
            e.HasOne<ChatClient>().WithMany().HasForeignKey(s => s.ChatClientId).OnDelete(DeleteBehavior.Cascade);
            e.Property(s => s.Tag).HasMaxLength(200);
            e.Property(s => s.ActiveTag).HasMaxLength(200);
            // One session per tag may hold the tag's slot at a time: this index is what makes two
            // concurrent "create by tag" calls end with one session.
            e.HasIndex(s => new { s.ChatClientId, s.ActiveTag }).IsUnique();
            e.HasIndex(s => new { s.ChatClientId, s.Tag });
            e.HasIndex(s => new { s.ChatClientId, s.CreatedAt });
        });

        modelBuilder.Entity<SessionKey>(e =>
        {
            e.HasKey(k => k.Hash);
            e.Property(k => k.Hash).HasMaxLength(64);
            e.HasOne<Session>().WithMany().HasForeignKey(k => k.SessionId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Message>(e =>
        {
            e.HasOne<Session>().WithMany().HasForeignKey(m => m.SessionId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(m => new { m.SessionId, m.CreatedAt });
            e.Property(m => m.Role).HasConversion<string>().HasMaxLength(16);
            e.Property(m => m.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(m => m.UsageSource).HasConversion<string>().HasMaxLength(16);
            e.Property(m => m.FinishReason).HasMaxLength(32);
            e.Property(m => m.ErrorCode).HasMaxLength(64);
            e.Property(m => m.FeedbackRating).HasMaxLength(8);
            e.Property(m => m.FeedbackComment).HasMaxLength(2000);
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

public sealed class PostgresAppDb(DbContextOptions<PostgresAppDb> options) : AppDb(options);
