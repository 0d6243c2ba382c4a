using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Sessions;

namespace Parley.Voice;

public enum VoiceKind { Speech, Transcription }

/// <summary>
/// One reply read aloud or one recording turned into text, as the provider bills them: characters sent to be spoken,
/// and the bytes of audio sent to be transcribed (its length in seconds is not known for every format). Deleted with
/// its session, like its messages.
/// </summary>
public sealed class VoiceUse
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SessionId { get; init; }
    public DateTime CreatedAt { get; init; }
    public VoiceKind Kind { get; init; }
    /// <summary>Speech: the characters read aloud. Transcription: the characters of the text it gave.</summary>
    public int Characters { get; init; }
    /// <summary>Speech: the bytes of audio relayed back. Transcription: the bytes of the recording sent.</summary>
    public long AudioBytes { get; init; }

    public static void Map(EntityTypeBuilder<VoiceUse> e)
    {
        e.HasOne<Session>().WithMany().HasForeignKey(v => v.SessionId).OnDelete(DeleteBehavior.Cascade);
        e.Property(v => v.Kind).HasConversion<string>().HasMaxLength(16);
        e.HasIndex(v => v.SessionId);
        e.HasIndex(v => v.CreatedAt);
    }
}

/// <summary>What a session's gateway offers the page: reading replies aloud and transcribing recordings, and what was used.</summary>
public sealed record VoiceView(bool Speech, bool Transcription, VoiceUsage Usage);

/// <summary>
/// Voice usage of a session or a span of time: replies read aloud and their characters, recordings transcribed and
/// their bytes.
/// </summary>
public sealed record VoiceUsage(long ReadAloud, long ReadAloudCharacters, long Transcriptions, long TranscribedBytes)
{
    public static readonly VoiceUsage None = new(0, 0, 0, 0);

    public static async Task<VoiceUsage> OfAsync(IQueryable<VoiceUse> uses, CancellationToken ct)
    {
        var sums = await uses.GroupBy(u => u.Kind)
            .Select(g => new { Kind = g.Key, Count = (long)g.Count(), Characters = g.Sum(u => (long)u.Characters), Bytes = g.Sum(u => u.AudioBytes) })
            .ToListAsync(ct);
        var speech = sums.SingleOrDefault(s => s.Kind == VoiceKind.Speech);
        var heard = sums.SingleOrDefault(s => s.Kind == VoiceKind.Transcription);
        return new VoiceUsage(speech?.Count ?? 0, speech?.Characters ?? 0, heard?.Count ?? 0, heard?.Bytes ?? 0);
    }
}
