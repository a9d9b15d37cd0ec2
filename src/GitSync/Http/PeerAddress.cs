using System.Globalization;
using System.Net;

namespace GitSync.Http;

/// <summary>
/// One entry of <c>--push-trigger-peers</c>: an address or a DNS name, and a port. A name is
/// resolved at every forward (a headless Service answers with the addresses of the pods that are
/// ready at that moment), so it is kept as written.
/// </summary>
internal sealed record PeerAddress(string Host, int Port)
{
    /// <summary>More entries than any fleet needs; a name that resolves to many pods counts once.</summary>
    public const int MaxEntries = 256;

    /// <summary>The host as an address when it is one (IPv6 without brackets).</summary>
    public IPAddress? Literal => IPAddress.TryParse(Host, out var address) ? address : null;

    /// <summary><c>host:port</c>, with an IPv6 address in brackets: the form it was given in.</summary>
    public override string ToString()
        => (Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses a comma-separated list of <c>host:port</c> (whitespace around entries is ignored,
    /// repeated entries count once). Every problem is a <see cref="FormatException"/> whose
    /// one-line message names the entry and says what is wrong with it.
    /// </summary>
    public static IReadOnlyList<PeerAddress> ParseList(string text)
    {
        var peers = new List<PeerAddress>();
        foreach (var raw in text.Split(','))
        {
            var entry = raw.Trim();
            if (entry.Length == 0)
            {
                throw new FormatException("an entry is empty (expected a comma-separated list of HOST:PORT)");
            }
            var peer = Parse(entry);
            if (!peers.Contains(peer))
            {
                peers.Add(peer);
            }
            if (peers.Count > MaxEntries)
            {
                throw new FormatException($"more than {MaxEntries} peers are listed (name a headless Service instead: it resolves to every pod)");
            }
        }
        return peers;
    }

    private static PeerAddress Parse(string entry)
    {
        var shown = Show(entry);
        if (entry.Contains("://", StringComparison.Ordinal) || entry.Contains('/', StringComparison.Ordinal) || entry.Contains('@', StringComparison.Ordinal))
        {
            throw new FormatException($"\"{shown}\" must be HOST:PORT, without a scheme, user or path");
        }
        string host;
        string portText;
        if (entry.StartsWith('['))
        {
            var close = entry.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= entry.Length || entry[close + 1] != ':')
            {
                throw new FormatException($"\"{shown}\" must be [IPV6-ADDRESS]:PORT");
            }
            host = entry[1..close];
            portText = entry[(close + 2)..];
            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                throw new FormatException($"\"{shown}\": only an IPv6 address goes in brackets");
            }
        }
        else
        {
            var colon = entry.LastIndexOf(':');
            if (colon < 0)
            {
                throw new FormatException($"\"{shown}\" has no port (expected HOST:PORT)");
            }
            host = entry[..colon];
            portText = entry[(colon + 1)..];
            if (host.Contains(':', StringComparison.Ordinal))
            {
                throw new FormatException($"\"{shown}\": write an IPv6 address in brackets, as in [::1]:8080");
            }
            if (host.Length == 0)
            {
                throw new FormatException($"\"{shown}\" has no host (expected HOST:PORT)");
            }
            if (host.All(c => char.IsAsciiDigit(c) || c == '.'))
            {
                if (!IsDottedQuad(host))
                {
                    throw new FormatException($"\"{shown}\" has an invalid IPv4 address");
                }
            }
            else if (!IsHostName(host))
            {
                throw new FormatException($"\"{shown}\" has an invalid host name");
            }
        }
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"\"{shown}\" has an invalid port (expected 1-65535)");
        }
        return new PeerAddress(host, port);
    }

    /// <summary>Four decimal numbers 0-255: the only IPv4 form accepted (not <c>10</c> or <c>10.1</c>, which the parser would read as 0.0.0.10 and 10.0.0.1).</summary>
    private static bool IsDottedQuad(string host)
    {
        var parts = host.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && int.Parse(p, CultureInfo.InvariantCulture) <= 255);
    }

    /// <summary>
    /// A DNS name: labels of letters, digits and hyphens (not first or last), at most 63
    /// characters each and 253 in all, an optional final dot. Nothing else reaches the resolver.
    /// </summary>
    private static bool IsHostName(string host)
    {
        var name = host.EndsWith('.') ? host[..^1] : host;
        if (name.Length is 0 or > 253)
        {
            return false;
        }
        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }
            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                {
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>The entry as it may appear in a one-line error: printable, and short.</summary>
    private static string Show(string entry)
    {
        var printable = new string([.. entry.Select(c => char.IsControl(c) ? '?' : c)]);
        return printable.Length > 80 ? printable[..80] + "…" : printable;
    }
}
