using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GitSync.Tests.Http;

/// <summary>
/// A peer that is there but never answers (a hung pod, a blackholed address): it accepts
/// connections, keeps what they send, and holds them open without a byte of reply until disposed.
/// </summary>
public sealed class HungPeer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly List<Socket> _held = [];
    private readonly MemoryStream _received = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();

    public HungPeer(IPAddress address, int port)
    {
        _listener = new TcpListener(address, port);
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Connections
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>Everything the connections sent, as text.</summary>
    public string Received
    {
        get
        {
            lock (_gate)
            {
                return Encoding.UTF8.GetString(_received.ToArray());
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_gate)
        {
            foreach (Socket socket in _held)
            {
                socket.Dispose();
            }
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                Socket socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
                lock (_gate)
                {
                    _held.Add(socket);
                }

                _ = ReadAsync(socket);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ReadAsync(Socket socket)
    {
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false)) > 0)
            {
                lock (_gate)
                {
                    _received.Write(buffer, 0, read);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }
}

/// <summary>
/// A TCP relay from one address to another: an address that leads to a replica without being one
/// of its own (a NAT, a Service IP), so a replica's own forward can come back to it.
/// </summary>
public sealed class TcpRelay : IDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly List<Socket> _sockets = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();

    public TcpRelay(IPEndPoint from, IPEndPoint to)
    {
        _target = to;
        _listener = new TcpListener(from);
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Connections { get; private set; }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_gate)
        {
            foreach (Socket socket in _sockets)
            {
                socket.Dispose();
            }
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                Socket client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
                var server = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                lock (_gate)
                {
                    _sockets.Add(client);
                    _sockets.Add(server);
                    Connections++;
                }

                await server.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
                _ = PumpAsync(client, server);
                _ = PumpAsync(server, client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }
}
