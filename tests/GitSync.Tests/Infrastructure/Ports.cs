using System.Net;
using System.Net.Sockets;

namespace GitSync.Tests.Infrastructure;

public static class Ports
{
    /// <summary>A loopback TCP port that was free a moment ago (bind to port 0, read it, release it).</summary>
    public static int Free()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
