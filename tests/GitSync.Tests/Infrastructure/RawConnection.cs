using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GitSync.Tests.Infrastructure;

/// <summary>
/// A plain TCP connection to git-sync's HTTP port, for clients no HTTP library would be: requests
/// that never end, headers sent a byte at a time, bodies announced and withheld, headers twice.
/// </summary>
public sealed class RawConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly MemoryStream _received = new();
    private bool _closedByServer;

    private RawConnection(Socket socket) => _socket = socket;

    public static async Task<RawConnection> OpenAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RawConnection(socket);
    }

    /// <summary>Everything the server sent so far.</summary>
    public string Received => Encoding.UTF8.GetString(_received.ToArray());

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes) => await _socket.SendAsync(bytes, SocketFlags.None).ConfigureAwait(false);

    /// <summary>Sends, and says false instead of throwing when the server has closed the connection.</summary>
    public async Task<bool> TrySendAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await SendAsync(bytes).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads what arrives until the server closes the connection (true) or
    /// <paramref name="timeout"/> passes (false); what was read is in <see cref="Received"/>.
    /// </summary>
    public async Task<bool> ClosedByServerAsync(TimeSpan timeout)
    {
        if (_closedByServer)
        {
            return true;
        }

        using var deadline = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                int read = await _socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    _closedByServer = true;
                    return true;
                }

                _received.Write(buffer, 0, read);
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            // Reset by the server.
            _closedByServer = true;
            return true;
        }
    }

    /// <summary>
    /// Reads until one whole answer (head and a Content-Length body) has arrived; null when none
    /// arrives within <paramref name="timeout"/> or the server closes first.
    /// </summary>
    public async Task<RawAnswer?> ReadAnswerAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        while (true)
        {
            if (RawAnswer.TryParse(_received.ToArray()) is { } answer)
            {
                return answer;
            }

            int read;
            try
            {
                read = await _socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                return null;
            }

            if (read == 0)
            {
                _closedByServer = true;
                return RawAnswer.TryParse(_received.ToArray());
            }

            _received.Write(buffer, 0, read);
        }
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>An HTTP/1.1 answer read off a raw connection.</summary>
public sealed record RawAnswer(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public override string ToString() => $"{Status} {string.Join("; ", Headers.Select(h => h.Key + ": " + h.Value))} {Body.Trim()}";

    internal static RawAnswer? TryParse(byte[] data)
    {
        string text = Encoding.UTF8.GetString(data);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return null;
        }

        string[] lines = text[..end].Split("\r\n");
        string[] statusLine = lines[0].Split(' ', 3);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        int length = headers.TryGetValue("Content-Length", out string? cl) ? int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture) : 0;
        string body = text[(end + 4)..];
        if (Encoding.UTF8.GetByteCount(body) < length)
        {
            return null;
        }

        return new RawAnswer(int.Parse(statusLine[1], System.Globalization.CultureInfo.InvariantCulture), headers, body);
    }
}

/// <summary>What /proc says about a process: resident memory, threads, open descriptors.</summary>
public static class ProcStatus
{
    /// <summary>VmRSS in bytes.</summary>
    public static long Rss(int pid) => Field(pid, "VmRSS:") * 1024;

    public static int Threads(int pid) => (int)Field(pid, "Threads:");

    public static int OpenFiles(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;

    private static long Field(int pid, string name)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                return long.Parse(line[name.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no {name} in /proc/{pid}/status");
    }
}

/// <summary>Samples a value in the background and keeps the highest, e.g. a process's RSS while a test attacks it.</summary>
public sealed class PeakSampler : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peak = long.MinValue;

    public PeakSampler(Func<long> sample)
    {
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    long value = sample();
                    long seen;
                    do
                    {
                        seen = Interlocked.Read(ref _peak);
                    }
                    while (value > seen && Interlocked.CompareExchange(ref _peak, value, seen) != seen);
                }
                catch (IOException)
                {
                    // The process is gone; the test will say so.
                }

                try
                {
                    await Task.Delay(20, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
    }

    public long Peak => Interlocked.Read(ref _peak);

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}

/// <summary>Times one GET of readiness over a fresh connection.</summary>
public static class Probe
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The status of GET http://127.0.0.1:PORT/ and how long it took; status 0 when it failed.</summary>
    public static async Task<(int Status, TimeSpan Took)> ReadinessAsync(int port)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{port}/"));
            request.Headers.ConnectionClose = true;
            using HttpResponseMessage response = await Client.SendAsync(request).ConfigureAwait(false);
            return ((int)response.StatusCode, clock.Elapsed);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, clock.Elapsed);
        }
    }
}
