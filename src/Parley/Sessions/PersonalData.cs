using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Sessions;

/// <summary>
/// Masks what identifies a person in text operators read: card numbers (13 to 19 digits that pass the Luhn check) keep
/// their last four digits, phone numbers (8 to 15 digits) their last two, e-mail addresses their first letter and
/// domain. It errs towards masking: a long reference number written like a phone number is masked too.
/// </summary>
public static partial class PersonalData
{
    public const char Dot = '•';

    /// <summary>The chat clients whose conversations operators read masked (few: read once per page or export).</summary>
    public static async Task<HashSet<Guid>> MaskingClientsAsync(AppDb db, CancellationToken ct) =>
        [.. (await db.ChatClients.AsNoTracking().Select(c => new { c.Id, c.ClientParameters }).ToListAsync(ct))
            .Where(c => c.ClientParameters.MaskPersonalData).Select(c => c.Id)];

    /// <summary>A reply's tool call as operators of a masking client read it: what the model sent and got back, masked.</summary>
    public static Research.ToolUse Mask(Research.ToolUse tool) => tool with
    {
        Arguments = Mask(tool.Arguments), Summary = Mask(tool.Summary), Result = tool.Result is null ? null : Mask(tool.Result),
    };

    /// <summary>Masks messages read untracked, for a download: nothing of it is saved.</summary>
    public static List<Message> MaskAll(List<Message> messages)
    {
        foreach (var message in messages)
        {
            message.Content = Mask(message.Content);
            if (message.Reasoning is { } reasoning) message.Reasoning = Mask(reasoning);
            if (message.FeedbackComment is { } comment) message.FeedbackComment = Mask(comment);
            if (message.Research is { } research)
            {
                message.Research = research with { Tools = [.. research.Tools.Select(Mask)] };
            }
        }
        return messages;
    }

    /// <summary>The text as operators read it: masked when <paramref name="mask"/>, else as written.</summary>
    public static string MaskIf(bool mask, string text) => mask ? Mask(text) : text;

    public static string Mask(string text)
    {
        if (text.Length == 0) return text;
        text = CardLike().Replace(text, m => PassesLuhn(m.Value) ? MaskDigits(m.Value, keep: 4) : m.Value);
        text = PhoneLike().Replace(text, m => MaskDigits(m.Value, keep: 2));
        return Email().Replace(text, m => $"{m.Groups["first"].Value}{Dot}{Dot}{Dot}@{m.Groups["domain"].Value}");
    }

    static string MaskDigits(string value, int keep)
    {
        var digits = value.Count(char.IsAsciiDigit);
        var masked = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c)) masked.Append(c);
            else masked.Append(digits-- > keep ? Dot : c);
        }
        return masked.ToString();
    }

    static bool PassesLuhn(string value)
    {
        var sum = 0;
        var doubled = false;
        for (var i = value.Length - 1; i >= 0; i--)
        {
            if (!char.IsAsciiDigit(value[i])) continue;
            var digit = value[i] - '0';
            if (doubled && (digit *= 2) > 9) digit -= 9;
            sum += digit;
            doubled = !doubled;
        }
        return sum % 10 == 0;
    }

    // Digits in groups split by single spaces or dashes, as cards are written.
    [GeneratedRegex(@"(?<![\d\w])\d(?:[ -]?\d){12,18}(?![\d\w])")]
    private static partial Regex CardLike();

    // An optional +, then 8 to 15 digits split by spaces, dots, dashes or brackets.
    [GeneratedRegex(@"(?<![\d\w+])\+?\(?\d(?:[ .()-]{0,2}\d){7,14}(?![\d\w])")]
    private static partial Regex PhoneLike();

    [GeneratedRegex(@"(?<first>[A-Za-z0-9])[A-Za-z0-9._%+-]*@(?<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")]
    private static partial Regex Email();
}
