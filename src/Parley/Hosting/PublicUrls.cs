using Microsoft.Extensions.Options;

namespace Parley.Hosting;

public sealed class PublicUrls(IOptions<ParleyOptions> options)
{
    public string Base(HttpRequest request) => Base($"{request.Scheme}://{request.Host}{request.PathBase}");

    /// <summary>The configured public address, else the address the caller reached Parley at (a console circuit has no request).</summary>
    public string Base(string reachedAt) =>
        options.Value.PublicUrl is { Length: > 0 } configured ? configured.TrimEnd('/') : reachedAt.TrimEnd('/');

    public string Talk(HttpRequest request, string accessKey) => $"{Base(request)}/chat/{accessKey}";

    /// <summary>For a console page, which has no request of its own: <paramref name="pageBase"/> is the address it was opened at.</summary>
    public string Talk(string pageBase, string accessKey) =>
        $"{(options.Value.PublicUrl is { Length: > 0 } configured ? configured : pageBase).TrimEnd('/')}/chat/{accessKey}";
}
