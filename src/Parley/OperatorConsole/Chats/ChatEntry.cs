using System.Text;
using Parley.Attachments;
using Parley.Sessions;

namespace Parley.OperatorConsole.Chats;

/// <summary>
/// Where an operator's message is: sending, sent (stored), delivered (the model took it: its reply began), read (the
/// model answered), or not sent (refused, or it could not be stored).
/// </summary>
public enum Delivery { Sending, Sent, Delivered, Read, NotSent }

/// <summary>A file shown under a message: <paramref name="Url"/> serves it to operators, or is a preview while it is being sent.</summary>
public sealed record EntryFile(string Name, string ContentType, long Size, string? Url);

/// <summary>One message in the chat panel, stored or still streaming in.</summary>
public sealed class ChatEntry(MessageRole role, DateTime createdAt)
{
    readonly StringBuilder content = new();
    readonly StringBuilder reasoning = new();
    int version;
    (int Version, string? Term, bool Masked, RenderedMarkdown Markdown)? rendered;

    public MessageRole Role => role;
    /// <summary>The stored message this shows; null while it is only on the page (being sent, or streaming in).</summary>
    public Guid? MessageId { get; internal set; }
    /// <summary>The person of the business who wrote it in the assistant's place, when one did.</summary>
    public string? AuthorName { get; init; }
    public DateTime CreatedAt => createdAt;
    public string Content => content.ToString();
    public string? Reasoning => reasoning.Length > 0 ? reasoning.ToString() : null;
    /// <summary>Set on the operator's own messages in a console session; other people's messages have none.</summary>
    public Delivery? Delivery { get; set; }
    /// <summary>A reply still streaming in: screen readers wait for it to end before reading it.</summary>
    public bool Generating { get; set; }
    public bool Incomplete { get; set; }
    /// <summary>Why a reply failed: the conversation core's code, and its sentence (kept for the provider's own words).</summary>
    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
    /// <summary>Said in privacy mode, and its text is no longer kept (the session ended, or its instance restarted).</summary>
    public bool TextGone { get; private set; }
    public IReadOnlyList<EntryFile> Files { get; set; } = [];
    /// <summary>The tools the reply called and the pages it used.</summary>
    public Research.ReplyResearch? Research { get; set; }

    public static ChatEntry Of(Message message)
    {
        var entry = new ChatEntry(message.Role, message.CreatedAt) { AuthorName = message.AuthorName };
        entry.Take(message);
        return entry;
    }

    /// <summary>Whether this entry is how the page showed <paramref name="message"/> before it was read back stored.</summary>
    public bool Shows(Message message) =>
        MessageId == message.Id || (MessageId is null && Role == message.Role && AuthorName == message.AuthorName);

    /// <summary>The stored message, as it is now, in place of what the page had: the same entry, so nothing on screen moves.</summary>
    public void Take(Message message)
    {
        MessageId = message.Id;
        Generating = false;
        Incomplete = message.Status == MessageStatus.Incomplete;
        (ErrorCode, ErrorMessage) = (message.ErrorCode, message.Error);
        TextGone = message is { Private: true, Content: "" };
        Research = message.Research;
        Files = [.. message.Files.Select(f => new EntryFile(f.Name, f.ContentType, f.Size, AttachmentUrls.ForConsole(f.SessionId, f.Id)))];
        if (Content != message.Content)
        {
            content.Clear();
            Append(message.Content);
        }
        reasoning.Clear();
        AppendReasoning(message.Reasoning);
    }

    public void Append(string? text)
    {
        content.Append(text);
        version++;
    }

    public void AppendReasoning(string? text) => reasoning.Append(text);

    /// <summary>The text as an operator reads it: with personal data masked when <paramref name="masked"/>.</summary>
    public string Shown(bool masked) => PersonalData.MaskIf(masked, Content);

    /// <summary>The reply as safe HTML with <paramref name="term"/> marked, rendered again only when something changed.</summary>
    public RenderedMarkdown Markdown(string? term, bool masked = false)
    {
        if (rendered is { } last && last.Version == version && last.Term == term && last.Masked == masked) return last.Markdown;
        var markdown = SafeMarkdown.Render(Shown(masked), term);
        rendered = (version, term, masked, markdown);
        return markdown;
    }
}
