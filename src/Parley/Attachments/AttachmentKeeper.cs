namespace Parley.Attachments;

/// <summary>A file to keep with a message: its name, its checked type and its bytes.</summary>
public sealed record KeptFile(string Name, string ContentType, byte[] Data);

/// <summary>
/// Keeps the files of a new message, the user's or a reply's: bytes once by SHA-256 in the blob store, or in privacy
/// mode name and bytes in the private store until <c>privateUntil</c>, the row then holding neither.
/// </summary>
public sealed class AttachmentKeeper(IBlobStore blobs, Conversations.IPrivateContent privateContent)
{
    /// <summary>The rows to write with the message; the bytes are stored first, so a committed row never names missing bytes.</summary>
    public async Task<List<Attachment>> KeepAsync(
        Guid sessionId, Guid messageId, DateTime? privateUntil, IReadOnlyList<KeptFile> files, CancellationToken ct)
    {
        var rows = new List<Attachment>();
        foreach (var file in files)
        {
            var sha256 = privateUntil is null ? Blobs.Sha256(file.Data) : "";
            if (privateUntil is null) await blobs.PutAsync(sha256, file.Data, ct);
            rows.Add(new Attachment
            {
                MessageId = messageId, SessionId = sessionId, Name = privateUntil is null ? Path.GetFileName(file.Name) : "",
                ContentType = file.ContentType, Size = file.Data.Length, Sha256 = sha256, Position = rows.Count,
            });
        }
        if (privateUntil is { } until)
            await privateContent.KeepFilesAsync(sessionId, until,
                [.. rows.Select((row, i) => new Conversations.PrivateFile(row.Id, Path.GetFileName(files[i].Name), files[i].Data))]);
        return rows;
    }
}
