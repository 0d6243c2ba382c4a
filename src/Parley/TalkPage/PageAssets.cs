using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.StaticFiles;

namespace Parley.TalkPage;

/// <summary>
/// Versioned URLs for Parley's own static files: a URL carries a hash of the file, so browsers may keep it for a
/// year and still never run a stale script after an upgrade.
/// </summary>
public sealed class PageAssets(IWebHostEnvironment environment)
{
    readonly ConcurrentDictionary<string, string> urls = new();

    public string Url(string path) => urls.GetOrAdd(path, p =>
    {
        var file = environment.WebRootFileProvider.GetFileInfo(p);
        if (!file.Exists) throw new FileNotFoundException($"Parley has no static file {p}.");
        using var stream = file.CreateReadStream();
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream))[..12];
        return $"{p}?v={hash}";
    });

    public static void SetCaching(StaticFileResponseContext context) =>
        context.Context.Response.Headers.CacheControl = context.Context.Request.Query.ContainsKey("v")
            ? "public, max-age=31536000, immutable"
            : "no-cache";
}
