using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Parley.Research;

/// <summary>The <c>Research</c> section: how far the web tools may go, and which private addresses pages may come from.</summary>
public sealed class ResearchOptions : IValidatableObject
{
    public const string Section = "Research";

    /// <summary>
    /// Host names, IP addresses or networks (<c>10.1.0.0/16</c>) whose pages <c>read_page</c> may read although they
    /// are private or local: an intranet wiki, a documentation server beside Parley.
    /// </summary>
    public string[] AllowedPageHosts { get; set; } = [];

    [Range(1, 300)] public int PageTimeoutSeconds { get; set; } = 15;
    [Range(1, 300)] public int SearchTimeoutSeconds { get; set; } = 15;
    [Range(1024, 100 * 1024 * 1024)] public int MaxPageBytes { get; set; } = 2 * 1024 * 1024;
    [Range(500, 1_000_000)] public int MaxPageCharacters { get; set; } = 20_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var entry in AllowedPageHosts)
        {
            var valid = IPAddress.TryParse(entry, out _)
                || (entry.Contains('/') && IPNetwork.TryParse(entry, out _))
                || Uri.CheckHostName(entry) == UriHostNameType.Dns;
            if (!valid)
                yield return new ValidationResult(
                    $"Research:AllowedPageHosts holds \"{entry}\", which is neither a host name, an IP address nor a network such as 10.0.0.0/8.",
                    [nameof(AllowedPageHosts)]);
        }
    }
}
