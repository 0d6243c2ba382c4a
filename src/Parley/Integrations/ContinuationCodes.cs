using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Parley.Admin;
using Parley.Conversations;
using Parley.Data;
using QRCoder;

namespace Parley.Integrations;

/// <summary>A way to go on with a web conversation in a chat app: its link, and the same link as a QR code to scan.</summary>
public sealed record ContinuationLink(IntegrationType Type, string Url, string QrCodeSvg);

public sealed record ContinuationView(string Code, DateTime ExpiresAt, IReadOnlyList<ContinuationLink> Links);

/// <summary>
/// "Continue on Telegram / WhatsApp": a one-time code for a web session, carried by a t.me start link or a wa.me
/// message; the first chat message that brings it binds that chat to the session (see <see cref="ChannelConversation"/>).
/// </summary>
public sealed partial class ContinuationCodes(AppDb db, TimeProvider clock)
{
    static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    public async Task<ContinuationView> CreateAsync(SessionContext context, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var code = new ContinuationCode
        {
            // Telegram's start parameter takes letters, digits, _ and -, at most 64.
            Code = "go-" + RandomNumberGenerator.GetString(Secrets.KeyAlphabet, 12),
            SessionId = context.Session.Id,
            ExpiresAt = now + Lifetime,
        };
        db.ContinuationCodes.Add(code);
        await db.SaveChangesAsync(ct);

        var reachable = await db.Integrations.AsNoTracking()
            .Where(i => i.ChatClientId == context.Client.Id && i.Address != null)
            .OrderBy(i => i.CreatedAt)
            .Select(i => new { i.Type, i.Address })
            .ToListAsync(ct);
        var links = reachable.Select(i => Link(i.Type, i.Address!, code.Code)).ToList();
        return new ContinuationView(code.Code, code.ExpiresAt, links);
    }

    public static bool LooksLikeCode(string text) => CodePattern().IsMatch(text);

    static ContinuationLink Link(IntegrationType type, string address, string code)
    {
        var url = type == IntegrationType.Telegram
            ? $"https://t.me/{Uri.EscapeDataString(address)}?start={code}"
            : $"https://wa.me/{new string([.. address.Where(char.IsAsciiDigit)])}?text={code}";
        return new ContinuationLink(type, url, QrCodeSvg(url));
    }

    /// <summary>A link as a QR code to scan with a phone, as SVG; the console's talk links use it too.</summary>
    public static string QrCodeSvg(string url)
    {
        using var data = QRCodeGenerator.GenerateQrCode(url, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(data).GetGraphic(4);
    }

    [GeneratedRegex("^go-[a-z0-9]{12}$")]
    private static partial Regex CodePattern();
}
