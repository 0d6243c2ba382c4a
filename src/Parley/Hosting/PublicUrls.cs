using Microsoft.Extensions.Options;

namespace Parley.Hosting;

public sealed class ParleyOptions
{
    public const string Section = "Parley";

    /// <summary>The address people reach Parley at (behind a proxy, the public one). Empty: taken from each request.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>Where the SQLite database and other local state live.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Print the addresses and the admin key hint on start.</summary>
    public bool ShowWelcome { get; set; } = true;

    /// <summary>Largest accepted request body, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1_048_576;
}

public sealed class PublicUrls(IOptions<ParleyOptions> options)
{
    public string Base(HttpRequest request) =>
        options.Value.PublicUrl is { Length: > 0 } configured
            ? configured.TrimEnd('/')
            : $"{request.Scheme}://{request.Host}{request.PathBase}";

    public string Talk(HttpRequest request, string accessKey) => $"{Base(request)}/chat/{accessKey}";
}
