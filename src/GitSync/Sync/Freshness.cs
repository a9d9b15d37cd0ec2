using GitSync.Platform;
using GitSync.Sync;

namespace GitSync.Sync;

/// <summary>
/// Honest health for Kubernetes probes: readiness turns stale when the last successful sync is
/// older than <c>--max-staleness</c>, and liveness fails only when the loop itself stopped
/// moving (no heartbeat for longer than the sync timeout plus the period plus a grace for
/// killing a timed-out git), so a failing sync makes a pod unready but only a wedged one gets
/// it restarted.
/// </summary>
internal sealed class Freshness(SyncStatus status, TimeSpan? maxStaleness, TimeSpan livenessLimit, TimeProvider clock)
{
    /// <summary>The liveness path.</summary>
    public const string LivenessPath = "/livez";

    /// <summary>
    /// Time allowed beyond the sync timeout and the wait for a timed-out git to be killed and
    /// reaped and the iteration to finish, which a loaded node can stretch to seconds.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    /// <param name="maxStaleness">--max-staleness; null when off.</param>
    public Freshness(SyncStatus status, TimeSpan? maxStaleness, LoopOptions loop, TimeProvider clock)
        : this(status, maxStaleness, loop.SyncTimeout + loop.LongestWait + Grace, clock)
    {
    }

    /// <summary>Why readiness must fail although a sync succeeded once; null when fresh enough.</summary>
    public string? StaleReason()
    {
        if (maxStaleness is not { } limit || status.Current.LastSuccess is not { } last)
        {
            return null;
        }
        var age = clock.GetUtcNow() - last;
        return age > limit
            ? $"stale: last successful sync {Duration.Format(Round(age))} ago, longer than --max-staleness={Duration.Format(limit)}\n"
            : null;
    }

    /// <summary>Why liveness must fail (the loop has not moved for too long); null when alive.</summary>
    public string? WedgedReason()
    {
        var quiet = clock.GetUtcNow() - status.QuietSince;
        return quiet > livenessLimit
            ? $"sync loop wedged: no progress for {Duration.Format(Round(quiet))}, longer than the sync timeout plus the period plus {Duration.Format(Grace)} ({Duration.Format(livenessLimit)})\n"
            : null;
    }

    private static TimeSpan Round(TimeSpan t) => TimeSpan.FromSeconds(Math.Round(t.TotalSeconds));
}
