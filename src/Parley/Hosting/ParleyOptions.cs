using System.ComponentModel.DataAnnotations;

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

    /// <summary>Seconds between keep-alive comments on an event stream while the model is silent.</summary>
    [Range(1, 300)] public int HeartbeatSeconds { get; set; } = 15;

    /// <summary>On shutdown, how long replies being generated may go on before they are cut off and stored as incomplete.</summary>
    [Range(0, 300)] public int ShutdownGraceSeconds { get; set; } = 20;

    /// <summary>Largest accepted request body, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1_048_576;

    /// <summary>
    /// Reverse proxies (addresses, or networks such as 10.0.0.0/8) whose X-Forwarded-For and X-Forwarded-Proto are
    /// believed, so limits and logs see each user's address instead of the proxy's. With any named, loopback is too.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];
}
