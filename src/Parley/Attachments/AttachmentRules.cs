using Parley.Conversations;

namespace Parley.Attachments;

/// <summary>A file as a user sent it: its name and bytes. What it is, is read from the bytes.</summary>
public sealed record IncomingFile(string Name, byte[] Data);

/// <summary>A file stored with a message, as the session API lists it; <c>url</c> serves its bytes to the session's key holders.</summary>
public sealed record AttachmentView(Guid Id, string Name, string ContentType, long Size, string Url);

/// <summary>
/// The chat client's rules on files (allowed at all, which types, how large, how many) and the gateway's (whether its
/// model takes images), each broken rule refused with its own code before anything is stored or sent.
/// </summary>
public static class AttachmentRules
{
    public static (IReadOnlyList<(IncomingFile File, FileType Type)> Files, ConversationRefusal? Refusal) Check(
        SessionContext context, IReadOnlyList<IncomingFile> files)
    {
        var limits = context.Client.LimitingParameters;
        if (!context.Client.ClientParameters.AllowAttachments)
            return ([], new(ConversationRefusal.AttachmentsNotAllowed, "This assistant takes no files; send your message as text."));
        if (files.Count > limits.MaxAttachmentsPerMessage)
        {
            return ([], new(ConversationRefusal.TooManyAttachments, $"A message may carry {limits.MaxAttachmentsPerMessage} files at most.",
                new Dictionary<string, object?> { ["limit"] = limits.MaxAttachmentsPerMessage }));
        }
        var typed = new List<(IncomingFile, FileType)>();
        foreach (var file in files)
        {
            if (file.Data.Length > limits.MaxAttachmentBytes)
                return ([], TooLarge($"{file.Name} is larger than the {limits.MaxAttachmentBytes:N0} bytes a file may have.", file.Name, limits.MaxAttachmentBytes));
            if (FileTypes.Of(file.Name, file.Data) is not { } type
                || (limits.AllowedAttachmentTypes.Count > 0 && !limits.AllowedAttachmentTypes.Contains(type.ContentType, StringComparer.OrdinalIgnoreCase)))
            {
                return ([], new(ConversationRefusal.AttachmentTypeRefused, $"{file.Name} is not a kind of file this assistant takes.",
                    new Dictionary<string, object?> { ["name"] = file.Name }));
            }
            if (type.Kind == AttachmentKind.Image && !context.Gateway.Parameters.AcceptsImages)
            {
                return ([], new(ConversationRefusal.ImagesNotAccepted, "This assistant's model does not look at images; send it text or documents.",
                    new Dictionary<string, object?> { ["name"] = file.Name }));
            }
            typed.Add((file, type));
        }
        var total = files.Sum(f => (long)f.Data.Length);
        if (total > limits.MaxAttachmentBytesPerMessage)
            return ([], TooLarge($"The files of a message may have {limits.MaxAttachmentBytesPerMessage:N0} bytes in all.", null, limits.MaxAttachmentBytesPerMessage));
        return (typed, null);
    }

    static ConversationRefusal TooLarge(string message, string? name, int limit) =>
        new(ConversationRefusal.AttachmentTooLarge, message, new Dictionary<string, object?> { ["name"] = name, ["limit"] = limit });
}
