using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace GitSync.Http;

/// <summary>
/// The addresses at which this process's own <c>/trigger</c> answers, so that a fan-out skips
/// them: a headless Service resolves to every ready pod, this one included. Decided from
/// <c>--http-bind</c>: a specific address (or name) is exactly that; a wildcard bind answers on
/// every local address — loopback and the addresses of the network interfaces (a pod's IP is on
/// its <c>eth0</c>). This is the first line; a forward that still comes back (through an address
/// that leads here but is not ours, such as a NAT) is recognised by its instance marker.
/// </summary>
internal sealed class OwnEndpoints
{
    private readonly int _port;
    private readonly bool _anyLocal;
    private readonly HashSet<IPAddress> _addresses;

    private OwnEndpoints(int port, bool anyLocal, IEnumerable<IPAddress> addresses)
    {
        _port = port;
        _anyLocal = anyLocal;
        _addresses = [.. addresses.Select(Normalize)];
    }

    public static OwnEndpoints From(Bind bind) => bind.Host switch
    {
        "*" => new OwnEndpoints(bind.Port, anyLocal: true, InterfaceAddresses()),
        "localhost" => new OwnEndpoints(bind.Port, anyLocal: false, [IPAddress.Loopback, IPAddress.IPv6Loopback]),
        _ when IPAddress.TryParse(bind.Host, out var address) => new OwnEndpoints(bind.Port, anyLocal: false, [address]),
        _ => new OwnEndpoints(bind.Port, anyLocal: false, Resolve(bind.Host)),
    };

    /// <summary>For tests: a process bound to these addresses (or to every local one).</summary>
    internal static OwnEndpoints Of(int port, bool anyLocal, params IPAddress[] addresses) => new(port, anyLocal, addresses);

    public bool Contains(IPEndPoint endpoint)
    {
        if (endpoint.Port != _port)
        {
            return false;
        }
        var address = Normalize(endpoint.Address);
        return _addresses.Contains(address) || (_anyLocal && IPAddress.IsLoopback(address));
    }

    /// <summary>IPv4 written as IPv6 (<c>::ffff:10.0.0.1</c>) is the IPv4 address.</summary>
    internal static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static IEnumerable<IPAddress> InterfaceAddresses()
    {
        try
        {
            return [.. NetworkInterface.GetAllNetworkInterfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(u => u.Address)];
        }
        catch (NetworkInformationException)
        {
            // Without the list only loopback is known to be ours; the instance marker covers the rest.
            return [];
        }
    }

    private static IEnumerable<IPAddress> Resolve(string host)
    {
        try
        {
            return Dns.GetHostAddresses(host);
        }
        catch (SocketException)
        {
            // The endpoint would not have started either; nothing to exclude.
            return [];
        }
    }
}
