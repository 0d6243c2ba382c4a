using System.Text;
using System.Text.Json;

namespace Parley.Attachments;

/// <summary>What a file is, read from its bytes: an image the model may look at, or a document it reads as text.</summary>
public enum AttachmentKind { Image, Document }

public sealed record FileType(AttachmentKind Kind, string ContentType);

/// <summary>
/// The accepted file types, told apart by their bytes (the signatures of PNG, JPEG, WebP, GIF and PDF; text that is
/// UTF-8 without control characters), the name only choosing among text formats. Anything else is refused.
/// </summary>
public static class FileTypes
{
    static ReadOnlySpan<byte> Png => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    static ReadOnlySpan<byte> Jpeg => [0xFF, 0xD8, 0xFF];

    public static FileType? Of(string name, ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith(Png)) return new(AttachmentKind.Image, "image/png");
        if (bytes.StartsWith(Jpeg)) return new(AttachmentKind.Image, "image/jpeg");
        if (bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8)) return new(AttachmentKind.Image, "image/gif");
        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8)) return new(AttachmentKind.Image, "image/webp");
        if (bytes.StartsWith("%PDF-"u8)) return new(AttachmentKind.Document, "application/pdf");
        if (!IsText(bytes)) return null;
        return Path.GetExtension(name).ToLowerInvariant() switch
        {
            ".md" or ".markdown" => new(AttachmentKind.Document, "text/markdown"),
            ".csv" => new(AttachmentKind.Document, "text/csv"),
            ".json" when IsJson(bytes) => new(AttachmentKind.Document, "application/json"),
            ".json" => null,
            _ => new(AttachmentKind.Document, "text/plain"),
        };
    }

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    static bool IsText(ReadOnlySpan<byte> bytes)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        foreach (var c in text)
            if (char.IsControl(c) && c is not ('\n' or '\r' or '\t' or '\f')) return false;
        return true;
    }

    static bool IsJson(ReadOnlySpan<byte> bytes)
    {
        try
        {
            using var _ = JsonDocument.Parse(bytes.ToArray());
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
