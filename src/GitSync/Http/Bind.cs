using System.Net;

namespace GitSync.Http;

/// <summary>An <c>--http-bind</c> address: <c>:1234</c> (all interfaces), <c>127.0.0.1:1234</c>, <c>[::1]:1234</c>, <c>localhost:1234</c>.</summary>
internal sealed record Bind(string Host, int Port)
{
    public static Bind? Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(text[(colon + 1)..], out var port) || port is < 0 or > 65535)
        {
            return null;
        }
        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        if (host.Length == 0 || host is "0.0.0.0" or "::")
        {
            return new Bind("*", port);
        }
        if (host != "localhost" && !IPAddress.TryParse(host, out _) && Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            return null;
        }
        return new Bind(host, port);
    }
}
