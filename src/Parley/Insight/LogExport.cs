using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Attachments;
using Parley.Data;
using Parley.Sessions;

namespace Parley.Insight;

/// <summary>
/// The filtered conversations as files, written to the response as the database hands the rows over: each row read
/// untracked, written and forgotten, so a million messages pass through without being held. JSON lines carry the
/// messages (as the session API shows them, with their session's client, channel and tag); CSV the session rows.
/// </summary>
public static class LogExport
{
    /// <summary>One message of the JSONL export.</summary>
    public sealed record MessageLine(Guid SessionId, Guid ChatClientId, string Channel, string? Tag, MessageView Message);

    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Files are listed with the URL <paramref name="attachmentUrl"/> gives them (by chat client and attachment).</summary>
    public static async Task WriteJsonLinesAsync(
        AppDb db, ConversationFiles files, Func<Guid, Attachment, string> attachmentUrl, IQueryable<Session> sessions, Stream body, CancellationToken ct)
    {
        var rows = db.Messages.AsNoTracking()
            .Where(m => m.Status != MessageStatus.Generating)
            .Join(sessions, m => m.SessionId, s => s.Id, (m, s) => new { Message = m, s.ChatClientId, s.Channel, s.Tag })
            .OrderBy(r => r.Message.SessionId).ThenBy(r => r.Message.CreatedAt).ThenBy(r => r.Message.Id);
        var masking = await PersonalData.MaskingClientsAsync(db, ct);
        await using var writer = new StreamWriter(body, Utf8, bufferSize: 64 * 1024, leaveOpen: true);
        var written = 0;
        await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(ct))
        {
            if (row.Message.HasAttachments) await files.LoadAsync([row.Message], ct);
            var view = MessageView.Of(row.Message, a => attachmentUrl(row.ChatClientId, a));
            var line = new MessageLine(row.Message.SessionId, row.ChatClientId, row.Channel, row.Tag, masking.Contains(row.ChatClientId) ? view.Masked() : view);
            await writer.WriteLineAsync(JsonSerializer.Serialize(line, JsonSerializerOptions.Web).AsMemory(), ct);
            // Out to the client every thousand lines: a long export shows progress and holds no more than a buffer.
            if (++written % 1000 == 0) await writer.FlushAsync(ct);
        }
    }

    public const string CsvHeader = "id,chatClientId,chatClient,tag,channel,createdAt,lastMessageAt,expiresAt,messages,inputTokens,outputTokens";

    public static async Task WriteCsvAsync(AppDb db, IQueryable<Session> sessions, Stream body, CancellationToken ct)
    {
        var names = await db.ChatClients.AsNoTracking().Select(c => new { c.Id, c.Name }).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var rows = sessions
            .OrderByDescending(s => s.LastMessageAt).ThenByDescending(s => s.Id)
            .Select(s => new
            {
                s.Id, s.ChatClientId, s.Tag, s.Channel, s.CreatedAt, s.LastMessageAt, s.ExpiresAt, s.InputTokens, s.OutputTokens,
                Messages = db.Messages.Count(m => m.SessionId == s.Id && m.ClearedAt == null),
            });
        await using var writer = new StreamWriter(body, Utf8, bufferSize: 64 * 1024, leaveOpen: true);
        await writer.WriteLineAsync(CsvHeader.AsMemory(), ct);
        var written = 0;
        await foreach (var s in rows.AsAsyncEnumerable().WithCancellation(ct))
        {
            string[] cells =
            [
                s.Id.ToString(), s.ChatClientId.ToString(), Cell(names.GetValueOrDefault(s.ChatClientId)), Cell(s.Tag), s.Channel,
                Time(s.CreatedAt), Time(s.LastMessageAt), Time(s.ExpiresAt),
                s.Messages.ToString(CultureInfo.InvariantCulture), s.InputTokens.ToString(CultureInfo.InvariantCulture), s.OutputTokens.ToString(CultureInfo.InvariantCulture),
            ];
            await writer.WriteLineAsync(string.Join(',', cells).AsMemory(), ct);
            if (++written % 1000 == 0) await writer.FlushAsync(ct);
        }
    }

    static string Time(DateTime at) => at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>
    /// RFC 4180 quoting; and a cell a spreadsheet would run as a formula (=, +, -, @ first) starts with an apostrophe,
    /// since tags and names come from outside.
    /// </summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
