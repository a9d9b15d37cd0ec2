using GitSync.Git;

namespace GitSync.Sync;

/// <summary>
/// What <c>/status</c> reports: the loop's recent history, updated by <see cref="SyncLoop"/> where
/// it counts syncs, and the last push trigger, recorded by the receiver. Thread-safe; readers get
/// an immutable <see cref="Snapshot"/>. Messages are stored as given: the HTTP side redacts them.
/// </summary>
internal sealed class SyncStatus(TimeProvider clock)
{
    private readonly Lock _gate = new();
    private Snapshot _current = new();
    private long _heartbeatTicks = clock.GetUtcNow().UtcTicks;

    public SyncStatus()
        : this(TimeProvider.System)
    {
    }

    /// <summary>One immutable view of the state.</summary>
    internal sealed record Snapshot
    {
        /// <summary>The hash served since the last successful sync of this process; null before it.</summary>
        public string? Hash { get; init; }
        public DateTimeOffset? LastSuccess { get; init; }
        public DateTimeOffset? LastUpdate { get; init; }
        public string? LastError { get; init; }
        public DateTimeOffset? LastErrorTime { get; init; }
        /// <summary>The last error's class and hint (see <see cref="FailureClass"/>).</summary>
        public Failure? LastFailure { get; init; }
        public int ConsecutiveFailures { get; init; }
        /// <summary>Finished syncs of any outcome (success, noop, error).</summary>
        public long SyncCount { get; init; }
        /// <summary>Syncs that published (or were the first of the process).</summary>
        public long UpdateCount { get; init; }
        public long ErrorCount { get; init; }
        public TriggerRecord? LastTrigger { get; init; }
    }

    /// <summary>The last request to the push trigger: when, from what kind of sender, and what became of it.</summary>
    internal sealed record TriggerRecord(DateTimeOffset Time, string Source, string Result, string? Reason);

    /// <summary>Readiness: true once a sync of this process has succeeded (<c>/</c> answers 200).</summary>
    public bool IsReady => Current.LastSuccess is not null;

    public Snapshot Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>A sync succeeded; <paramref name="updated"/> when it published (or was the first of the process).</summary>
    public void Succeeded(string hash, bool updated)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            _current = _current with
            {
                Hash = hash,
                LastSuccess = now,
                LastUpdate = updated ? now : _current.LastUpdate,
                ConsecutiveFailures = 0,
                SyncCount = _current.SyncCount + 1,
                UpdateCount = _current.UpdateCount + (updated ? 1 : 0),
            };
        }
    }

    /// <summary>A sync failed with <paramref name="error"/> (kept after later successes, with its time).</summary>
    public void Failed(string error, Failure? failure = null)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            _current = _current with
            {
                LastError = error,
                LastErrorTime = now,
                LastFailure = failure,
                ConsecutiveFailures = _current.ConsecutiveFailures + 1,
                SyncCount = _current.SyncCount + 1,
                ErrorCount = _current.ErrorCount + 1,
            };
        }
    }

    /// <summary>
    /// A revision was held back (the pre-publish gate): shown as the last error, but the sync
    /// itself did not fail, so no failure is counted.
    /// </summary>
    public void Refused(string error, Failure failure)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            _current = _current with { LastError = error, LastErrorTime = now, LastFailure = failure };
        }
    }

    /// <summary>What the freshness gauges of <c>/metrics</c> show.</summary>
    public (DateTimeOffset? LastSuccess, int ConsecutiveFailures, string? Hash) Gauges()
    {
        var now = Current;
        return (now.LastSuccess, now.ConsecutiveFailures, now.Hash);
    }

    /// <summary>
    /// From when on the loop counts as quiet: the time of its last step, plus however long that
    /// step said it would legitimately take (a wait of known length); never while it waits with
    /// no deadline (a synced hash ref). Liveness compares this with the clock.
    /// </summary>
    public DateTimeOffset QuietSince => new(Interlocked.Read(ref _heartbeatTicks), TimeSpan.Zero);

    /// <summary>
    /// The loop is moving and its next step takes up to <paramref name="busyFor"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: no deadline). Declaring the length of a wait up
    /// front spares the loop from waking up during it just to say it is alive.
    /// </summary>
    public void Beat(TimeSpan busyFor = default)
    {
        var now = clock.GetUtcNow().UtcTicks;
        var ticks = busyFor == Timeout.InfiniteTimeSpan || busyFor.Ticks > DateTimeOffset.MaxValue.UtcTicks - now
            ? DateTimeOffset.MaxValue.UtcTicks
            : now + busyFor.Ticks;
        Interlocked.Exchange(ref _heartbeatTicks, ticks);
    }

    public void Triggered(string source, string result, string? reason)
    {
        var record = new TriggerRecord(clock.GetUtcNow(), source, result, reason);
        lock (_gate)
        {
            _current = _current with { LastTrigger = record };
        }
    }
}
