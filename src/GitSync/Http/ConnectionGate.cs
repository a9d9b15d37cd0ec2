using Microsoft.AspNetCore.Connections;
using GitSync.Logging;

namespace GitSync.Http;

/// <summary>
/// The cap on open HTTP connections (<c>--http-max-connections</c>), as Kestrel connection
/// middleware. A plain cap lets whoever holds the slots lock everyone else out: a client that
/// opens connections and never sends a request (or trickles one) would keep the readiness probe
/// away until the header or keep-alive timeout. So when every slot is taken, a new connection
/// takes the slot of the connection that has waited longest for a request — provided it has
/// waited at least <see cref="EvictAfter"/> — and is refused only when none has. A connection
/// whose request is being answered is never taken over: slow requests are bounded by their own
/// timeouts instead (header timeout, body data rate, the trigger's body deadline).
/// </summary>
internal sealed class ConnectionGate
{
    /// <summary>How long a connection must have waited for a request before a newcomer may take its slot.</summary>
    public static readonly TimeSpan EvictAfter = TimeSpan.FromSeconds(1);

    private readonly int _capacity;
    private readonly TimeProvider _clock;
    private readonly Log _log;
    private readonly Dictionary<string, Slot> _open = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public ConnectionGate(int capacity, TimeProvider clock, Log log)
    {
        _capacity = capacity;
        _clock = clock;
        _log = log;
    }

    /// <summary>Connections open now.</summary>
    public int Open
    {
        get
        {
            lock (_gate)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>Wraps the rest of Kestrel's connection pipeline.</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => connection => ServeAsync(connection, next);

    private async Task ServeAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var slot = Admit(connection);
        if (slot is null)
        {
            // Returning without serving makes Kestrel close the connection.
            if (_log.Enabled(3))
            {
                _log.Info(3, "http connection refused", ("remote", connection.RemoteEndPoint?.ToString()), ("open", _capacity));
            }
            return;
        }
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(slot.Id);
            }
        }
    }

    /// <summary>The request handler is answering a request on <paramref name="connectionId"/>: not to be taken over.</summary>
    public void RequestStarted(string connectionId)
    {
        lock (_gate)
        {
            if (_open.TryGetValue(connectionId, out var slot))
            {
                slot.WaitingSince = null;
            }
        }
    }

    /// <summary>The request on <paramref name="connectionId"/> is answered; the connection waits for the next one.</summary>
    public void RequestEnded(string connectionId)
    {
        var now = _clock.GetTimestamp();
        lock (_gate)
        {
            if (_open.TryGetValue(connectionId, out var slot))
            {
                slot.WaitingSince = now;
            }
        }
    }

    private Slot? Admit(ConnectionContext connection)
    {
        var now = _clock.GetTimestamp();
        Slot? evicted = null;
        Slot admitted;
        lock (_gate)
        {
            if (_open.Count >= _capacity)
            {
                foreach (var candidate in _open.Values)
                {
                    if (candidate.WaitingSince is { } since
                        && _clock.GetElapsedTime(since, now) >= EvictAfter
                        && (evicted is null || since < evicted.WaitingSince))
                    {
                        evicted = candidate;
                    }
                }
                if (evicted is null)
                {
                    return null;
                }
                _open.Remove(evicted.Id);
            }
            admitted = new Slot(connection, now);
            _open[admitted.Id] = admitted;
        }
        if (evicted is not null)
        {
            if (_log.Enabled(3))
            {
                _log.Info(3, "http connection closed to make room", ("remote", evicted.Connection.RemoteEndPoint?.ToString()));
            }
            evicted.Connection.Abort(new ConnectionAbortedException("closed to make room for a new connection"));
        }
        return admitted;
    }

    private sealed class Slot(ConnectionContext connection, long openedAt)
    {
        public string Id { get; } = connection.ConnectionId;

        public ConnectionContext Connection { get; } = connection;

        /// <summary>Since when the connection waits for a request; null while one is answered.</summary>
        public long? WaitingSince { get; set; } = openedAt;
    }
}
