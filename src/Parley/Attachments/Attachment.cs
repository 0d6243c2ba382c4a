namespace Parley.Attachments;

/// <summary>
/// A file that came with a message: its name and checked content type, and the SHA-256 of its bytes, which live
/// once in the blob store however many messages carry them. In privacy mode the row keeps neither name nor hash: both
/// name and bytes live in the private store, as long as the session (<see cref="Private"/>).
/// </summary>
public sealed class Attachment
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid MessageId { get; init; }
    public Guid SessionId { get; init; }
    /// <summary>Empty in the row of a private file; filled from the private store while it has the file.</summary>
    public required string Name { get; set; }
    /// <summary>The type read from the bytes (image/png, application/pdf, text/plain…), never the one the sender claimed.</summary>
    public required string ContentType { get; init; }
    public long Size { get; init; }
    public required string Sha256 { get; init; }
    /// <summary>Where it came among its message's files, from 0.</summary>
    public int Position { get; init; }

    /// <summary>Kept in the private store (privacy mode), not in the blob store: no hash names it.</summary>
    public bool Private => Sha256.Length == 0;
}

/// <summary>A blob kept in the database (<c>Attachments:Store = Database</c>), so instances share them without a shared disk.</summary>
public sealed class StoredBlob
{
    public required string Sha256 { get; init; }
    public required byte[] Data { get; init; }
}
