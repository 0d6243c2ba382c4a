using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Parley.Attachments;

namespace Parley.Conversations;

/// <summary>
/// Images a model put in its reply, as image parts or as Markdown images with data URLs, become the reply's files: the
/// stored text keeps no base64 (it would go back to the model as text on every later turn), and the images are shown
/// and served like the user's files. Only the image types users may send are taken; anything else stays as it came.
/// </summary>
public static partial class ReplyImages
{
    const int MaxImageBytes = 20 * 1024 * 1024;

    public static (string Text, List<KeptFile> Images) Extract(string text, IEnumerable<DataContent> parts)
    {
        var images = new List<KeptFile>();
        foreach (var part in parts) TryAdd(images, null, part);
        if (!text.Contains("data:image/", StringComparison.Ordinal)) return (text, images);
        var cleaned = MarkdownDataImage().Replace(text, match =>
        {
            DataContent data;
            try
            {
                data = new DataContent(WhiteSpace().Replace(match.Groups["url"].Value, ""));
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException)
            {
                return match.Value;
            }
            return TryAdd(images, match.Groups["alt"].Value, data) ? "" : match.Value;
        });
        return (cleaned.Trim(), images);
    }

    static bool TryAdd(List<KeptFile> images, string? alt, DataContent data)
    {
        if (data.Data.Length > MaxImageBytes) return false;
        var bytes = data.Data.ToArray();
        if (FileTypes.Of("", bytes) is not { Kind: AttachmentKind.Image } type) return false;
        images.Add(new KeptFile(NameOf(alt, images.Count + 1) + Extension(type.ContentType), type.ContentType, bytes));
        return true;
    }

    // The alt text names the file when it can: letters, digits, spaces, dashes and underscores, 60 at most.
    static string NameOf(string? alt, int number)
    {
        var name = new StringBuilder();
        foreach (var c in alt ?? "")
            if (char.IsLetterOrDigit(c) || c is ' ' or '-' or '_') name.Append(c);
        var trimmed = name.ToString().Trim();
        return trimmed.Length == 0 ? $"image-{number}" : trimmed[..Math.Min(trimmed.Length, 60)];
    }

    static string Extension(string contentType) => contentType switch
    {
        "image/jpeg" => ".jpg",
        "image/gif" => ".gif",
        "image/webp" => ".webp",
        _ => ".png",
    };

    [GeneratedRegex(@"!\[(?<alt>[^\]\n]{0,500})\]\(\s*(?<url>data:image/[A-Za-z0-9.+-]+;base64,[A-Za-z0-9+/=\s]+?)\s*\)")]
    private static partial Regex MarkdownDataImage();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
