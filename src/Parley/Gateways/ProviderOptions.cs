using System.ComponentModel.DataAnnotations;

namespace Parley.Gateways;

/// <summary>How Parley talks to model providers.</summary>
public sealed class ProviderOptions
{
    public const string Section = "Providers";

    [Range(1, 300)] public int ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>From sending the request to the first streamed token.</summary>
    [Range(1, 3600)] public int FirstTokenTimeoutSeconds { get; set; } = 90;

    /// <summary>The longest silence allowed between two streamed tokens.</summary>
    [Range(1, 3600)] public int IdleTimeoutSeconds { get; set; } = 60;

    /// <summary>Retries of transient failures (connection refused, 429, 5xx), all before the first token.</summary>
    [Range(0, 10)] public int MaxRetries { get; set; } = 2;

    /// <summary>
    /// The longest wait for a retry: a provider asking (Retry-After) for longer is told to the user at once as rate
    /// limited, rather than keeping them staring at a typing indicator.
    /// </summary>
    [Range(0, 600)] public int MaxRetryWaitSeconds { get; set; } = 10;
}
