using Microsoft.Extensions.Time.Testing;

namespace GitSync.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> (time moves only on <see cref="Advance"/>) that also knows
/// which timers are armed, so a test can wait until the code under test is really waiting on
/// the clock (its timer exists) before it moves time — no race between "about to wait" and
/// "time moved", and no sleeping.
/// </summary>
public sealed class TrackingClock : TimeProvider
{
    private readonly FakeTimeProvider _inner = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<Armed> _timers = [];

    public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow();

    public override long GetTimestamp() => _inner.GetTimestamp();

    public override long TimestampFrequency => _inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Moves time on; every timer that falls due fires (on this thread).</summary>
    public void Advance(TimeSpan by) => _inner.Advance(by);

    /// <summary>Whether a timer of exactly <paramref name="dueTime"/> is armed and has not fired.</summary>
    public bool IsWaiting(TimeSpan dueTime)
    {
        lock (_timers)
        {
            return _timers.Exists(t => t.DueTime == dueTime && !t.Fired && !t.Disposed);
        }
    }

    /// <summary>The armed timers, for failure messages.</summary>
    public string Describe()
    {
        lock (_timers)
        {
            return $"now {GetUtcNow():O}; armed timers: " + string.Join(", ", _timers.Where(t => !t.Fired && !t.Disposed).Select(t => t.DueTime.ToString()));
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var armed = new Armed(dueTime);
        var timer = _inner.CreateTimer(s =>
        {
            if (period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero)
            {
                armed.Fired = true;
            }
            callback(s);
        }, state, dueTime, period);
        // Listed only once the inner timer exists: a test that sees it armed may move time at once.
        lock (_timers)
        {
            _timers.RemoveAll(t => t.Fired || t.Disposed);
            _timers.Add(armed);
        }
        return new TrackedTimer(timer, armed);
    }

    private sealed class Armed(TimeSpan dueTime)
    {
        public TimeSpan DueTime { get; set; } = dueTime;
        public volatile bool Fired;
        public volatile bool Disposed;
    }

    private sealed class TrackedTimer(ITimer inner, Armed armed) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            armed.DueTime = dueTime;
            armed.Fired = false;
            return inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            armed.Disposed = true;
            inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            armed.Disposed = true;
            return inner.DisposeAsync();
        }
    }
}
