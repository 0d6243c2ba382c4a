using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Parley.Conversations;
using Parley.Data;
using Parley.Sessions;
using UglyToad.PdfPig;

namespace Parley.Attachments;

/// <summary>
/// The files of a conversation: loaded with the messages that have them, read back as bytes, and given to the model:
/// images as image content, documents as their text under their name (a PDF's text read with PdfPig, its first pages
/// only). <see cref="AttachmentKeeper"/> keeps them.
/// </summary>
public sealed class ConversationFiles(AppDb db, IBlobStore blobs, IPrivateContent privateContent)
{
    const int PdfPages = 50;
    const int DocumentCharacters = 200_000;

    /// <summary>
    /// Fills <see cref="Message.Files"/> of the messages that have files. A private file whose session's private store
    /// no longer has it is left out, as its message's text is.
    /// </summary>
    public async Task LoadAsync(IReadOnlyList<Message> messages, CancellationToken ct)
    {
        var ids = messages.Where(m => m.HasAttachments).Select(m => m.Id).ToList();
        if (ids.Count == 0) return;
        var rows = await db.Attachments.AsNoTracking().Where(a => ids.Contains(a.MessageId)).OrderBy(a => a.Position).ToListAsync(ct);
        var gone = new HashSet<Guid>();
        foreach (var session in rows.Where(a => a.Private).GroupBy(a => a.SessionId))
        {
            var kept = await privateContent.FilesAsync(session.Key, [.. session.Select(a => a.Id)], withData: false);
            foreach (var row in session)
            {
                if (kept.TryGetValue(row.Id, out var file)) row.Name = file.Name;
                else gone.Add(row.Id);
            }
        }
        var byMessage = rows.Where(a => !gone.Contains(a.Id)).ToLookup(a => a.MessageId);
        foreach (var message in messages)
            if (message.HasAttachments) message.Files = [.. byMessage[message.Id]];
    }

    /// <summary>One attachment of a session, as its row (a private one without its name: see <see cref="ContentAsync"/>).</summary>
    public Task<Attachment?> FindAsync(Guid sessionId, Guid attachmentId, CancellationToken ct) =>
        db.Attachments.AsNoTracking().SingleOrDefaultAsync(a => a.Id == attachmentId && a.SessionId == sessionId, ct);

    /// <summary>
    /// An attachment's name and bytes, in one read: the bytes from the blob store, or for a private file name and bytes
    /// from the private store while it lasts (null bytes when they are gone).
    /// </summary>
    public async Task<(string Name, byte[]? Bytes)> ContentAsync(Attachment attachment, CancellationToken ct)
    {
        if (!attachment.Private) return (attachment.Name, await blobs.GetAsync(attachment.Sha256, ct));
        var kept = (await privateContent.FilesAsync(attachment.SessionId, [attachment.Id], withData: true)).GetValueOrDefault(attachment.Id);
        return (kept?.Name ?? "", kept?.Data);
    }

    /// <summary>What each message's files add to its turn, by message id.</summary>
    public async Task<Dictionary<Guid, List<AIContent>>> ForPromptAsync(IEnumerable<Attachment> attachments, CancellationToken ct)
    {
        var contents = new Dictionary<Guid, List<AIContent>>();
        foreach (var attachment in attachments)
        {
            var (name, bytes) = await ContentAsync(attachment, ct);
            if (bytes is null) continue;
            AIContent content = attachment.ContentType.StartsWith("image/", StringComparison.Ordinal)
                ? new DataContent(bytes, attachment.ContentType) { Name = name }
                : new TextContent($"\n\nFile {name}:\n{DocumentText(attachment.ContentType, bytes)}");
            if (!contents.TryGetValue(attachment.MessageId, out var list)) contents[attachment.MessageId] = list = [];
            list.Add(content);
        }
        return contents;
    }

    static string DocumentText(string contentType, byte[] bytes)
    {
        string text;
        if (contentType == "application/pdf")
        {
            var pages = new StringBuilder();
            using var pdf = PdfDocument.Open(bytes);
            foreach (var page in pdf.GetPages().Take(PdfPages)) pages.AppendLine(page.Text);
            if (pdf.NumberOfPages > PdfPages) pages.AppendLine(CultureInfo.InvariantCulture, $"[{pdf.NumberOfPages - PdfPages} more pages not read]");
            text = pages.ToString();
        }
        else
        {
            text = Encoding.UTF8.GetString(bytes);
        }
        return text.Length <= DocumentCharacters ? text : text[..DocumentCharacters] + "\n[the rest of the file was cut]";
    }
}
