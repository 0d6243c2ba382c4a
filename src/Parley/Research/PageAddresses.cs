using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Parley.Research;

/// <summary>A page's address was private or local and not on the operator's allow-list.</summary>
public sealed class BlockedAddressException(string host) : Exception($"The address of {host} is private or local.")
{
    public string Host { get; } = host;
}

/// <summary>
/// Which addresses <c>read_page</c> may connect to. The model chooses the URL, so without this it could make Parley
/// read the cloud's metadata service or an admin page on the private network (server-side request forgery). The check
/// runs on the addresses a name resolved to, in the connection itself, and Parley connects to the checked address:
/// a name cannot resolve to a public address for the check and a private one for the connection.
/// </summary>
public sealed class PageAddresses
{
    // Private, local, and the ranges a packet to which never goes out to the internet.
    static readonly IPNetwork[] Blocked =
    [
        IPNetwork.Parse("0.0.0.0/8"),        // "this network", 0.0.0.0 reaches the host itself
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("100.64.0.0/10"),    // carrier-grade NAT
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"),   // link-local, the cloud metadata service (169.254.169.254) among them
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("224.0.0.0/4"),      // multicast
        IPNetwork.Parse("240.0.0.0/4"),      // reserved, and the broadcast address
        IPNetwork.Parse("::/96"),            // unspecified, loopback, and the old IPv4-compatible form
        IPNetwork.Parse("fc00::/7"),         // unique local
        IPNetwork.Parse("fe80::/10"),        // link-local
        IPNetwork.Parse("fec0::/10"),        // site-local, deprecated but still routed by some
        IPNetwork.Parse("ff00::/8"),         // multicast
    ];

    // NAT64 prefixes carry an IPv4 address in their last 32 bits; it is judged as that address.
    static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    readonly HashSet<string> allowedNames = new(StringComparer.OrdinalIgnoreCase);
    readonly List<IPNetwork> allowedNetworks = [];

    public PageAddresses(IOptions<ResearchOptions> options)
    {
        foreach (var entry in options.Value.AllowedPageHosts.Select(e => e.Trim()))
        {
            if (IPAddress.TryParse(entry, out var address)) allowedNetworks.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            else if (entry.Contains('/') && IPNetwork.TryParse(entry, out var network)) allowedNetworks.Add(network);
            else allowedNames.Add(entry.TrimEnd('.'));
        }
    }

    public static bool IsPrivateOrLocal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        else if (address.AddressFamily == AddressFamily.InterNetworkV6 && Nat64.Contains(address))
            address = new IPAddress(address.GetAddressBytes()[12..]);
        return Blocked.Any(network => network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address));
    }

    /// <summary>Whether Parley may connect to <paramref name="address"/>, which <paramref name="host"/> resolved to.</summary>
    public bool MayConnect(string host, IPAddress address)
    {
        if (!IsPrivateOrLocal(address) || allowedNames.Contains(host.TrimEnd('.'))) return true;
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return allowedNetworks.Any(network => network.BaseAddress.AddressFamily == plain.AddressFamily && network.Contains(plain));
    }

    /// <summary>
    /// The connection step of the page reader's handler: resolves the host, refuses it when any of its addresses may
    /// not be reached (a name that points both outside and inside is not trusted), then connects to those addresses.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.Length == 0 || addresses.Any(a => !MayConnect(host, a))) throw new BlockedAddressException(host);

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
