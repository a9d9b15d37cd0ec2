using GitSync.Git;
using GitSync.Logging;
using GitSync.Metrics;
using GitSync.Platform;

namespace GitSync.Sync;

/// <summary>
/// The loop around one sync (spec §4): the init phase (until the first success) and the steady
/// state, each with its own period and failure budget; the sync timeout; the error and touch
/// files; readiness and metrics; the publish notifications (<see cref="PublishPipeline"/>); and
/// the early stops (<c>--one-time</c>, a hash ref). Every wait and timeout is measured on
/// <paramref name="clock"/> (the system clock when null), so tests can drive it.
/// </summary>
internal sealed class SyncLoop(
    SyncOptions sync,
    LoopOptions options,
    SyncEngine engine,
    GitCli git,
    SyncTrigger trigger,
    SyncStatus status,
    SyncMetrics? metrics,
    StatusFiles files,
    Log log,
    TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>Where the loop stands between syncs.</summary>
    private sealed class State
    {
        public int Failures { get; set; }
        public bool FirstSync { get; set; } = true;
        /// <summary>First sync or after a failure: full health checks, credentials stored afresh.</summary>
        public bool FullCheck { get; set; } = true;
        public bool InitPhase { get; set; } = true;
        /// <summary>This sync was asked for (signal or push trigger) rather than due by the period.</summary>
        public bool Triggered { get; set; }
    }

    /// <summary>What follows a sync: the exit code to end with, or how long to wait for the next one.</summary>
    private readonly record struct Next(int? ExitCode, TimeSpan Wait, bool UntilStopped = false)
    {
        public static Next Exit(int code) => new(code, TimeSpan.Zero);

        public static Next After(TimeSpan wait) => new(null, wait);
    }

    /// <summary>Runs before each sync, inside its timeout (credential refresh); its argument is "store everything afresh".</summary>
    public Func<bool, CancellationToken, Task>? BeforeSync { get; init; }

    /// <summary>Puts each failure into its class (for the log, the error file, /status and the failure metric).</summary>
    public FailureClassifier Classifier { get; init; } = FailureClassifier.Default;

    /// <summary>Runs until stopped or until --one-time / the failure budget ends it; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        var notifications = engine.Pipeline.Notifications;
        using var notificationStop = new CancellationTokenSource();
        var deliveries = notifications.Select(n => Task.Run(() => n.RunAsync(notificationStop.Token))).ToList();
        int code;
        try
        {
            code = await LoopAsync(stop).ConfigureAwait(false);
        }
        finally
        {
            await notificationStop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(deliveries).ConfigureAwait(false);
        }
        if (stop.IsCancellationRequested)
        {
            log.Info(0, "stopped by signal");
        }
        return code;
    }

    private async Task<int> LoopAsync(CancellationToken stop)
    {
        var state = new State();
        while (true)
        {
            var next = await SyncOnceAsync(state, stop).ConfigureAwait(false);
            if (next.ExitCode is int code)
            {
                return code;
            }
            var woken = await WaitAsync(next.Wait, stop, next.UntilStopped).ConfigureAwait(false);
            if (woken is null || next.UntilStopped)
            {
                return 0;
            }
            state.Triggered = woken.Value;
        }
    }

    private async Task<Next> SyncOnceAsync(State state, CancellationToken stop)
    {
        var started = _clock.GetTimestamp();
        status.Beat();
        using var deadline = new CancellationTokenSource(options.SyncTimeout, _clock);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop, deadline.Token);
        SyncResult result;
        try
        {
            if (BeforeSync is not null)
            {
                await BeforeSync(state.FullCheck, timeout.Token).ConfigureAwait(false);
            }
            result = await engine.SyncAsync(state.FirstSync, state.FullCheck, state.Triggered, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (stop.IsCancellationRequested && e is OperationCanceledException or GitException)
        {
            return Next.Exit(0);
        }
        catch (PublishHeldBackException e)
        {
            // A gate, not a failure: keep serving the old tree and ask again after the gate's
            // wait (a newer hash, if any, takes this one's place).
            var refused = new Failure(e.FailureClass, e.Message);
            log.Error(e.Message, "not publishing, will retry", ("hash", e.Hash), ("class", refused.Class.Name), ("hint", refused.Hint));
            files.WriteError(e.Summary, e.Message, refused);
            metrics?.Failure(refused.Class.Name);
            status.Refused(e.Message, refused);
            return options.OneTime ? Next.Exit(1) : Next.After(e.RetryAfter);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Failed(e, state, started);
        }
        return await SucceededAsync(result, state, started, timeout.Token, stop).ConfigureAwait(false);
    }

    private Next Failed(Exception e, State state, long started)
    {
        status.Beat();
        var message = e is OperationCanceledException ? $"sync timed out after {Duration.Format(options.SyncTimeout)}" : e.Message;
        var failure = e is OperationCanceledException ? new Failure(FailureClass.SyncTimeout, message) : Classifier.Classify(e);
        // The error file first: whoever sees the failure counted (in /metrics or /status)
        // finds its file already written.
        files.WriteError("error syncing repo, will retry", message, failure);
        metrics?.Failure(failure.Class.Name);
        metrics?.Sync("error", _clock.GetElapsedTime(started));
        status.Failed(message, failure);
        state.Failures++;
        state.FullCheck = true;
        var budget = state.InitPhase ? options.InitMaxFailures : options.MaxFailures;
        if (budget >= 0 && state.Failures > budget)
        {
            log.Error(message, "too many failures, aborting", ("failCount", state.Failures), ("class", failure.Class.Name), ("hint", failure.Hint));
            return Next.Exit(1);
        }
        log.Error(message, "error syncing repo, will retry", ("failCount", state.Failures), ("class", failure.Class.Name), ("hint", failure.Hint));
        return Next.After(state.InitPhase ? options.InitPeriod : options.Period);
    }

    private async Task<Next> SucceededAsync(SyncResult result, State state, long started, CancellationToken timeout, CancellationToken stop)
    {
        var elapsed = _clock.GetElapsedTime(started);
        status.Beat();
        if (result.Outcome == SyncOutcome.Updated)
        {
            metrics?.Fetch();
            metrics?.Sync("success", elapsed);
            status.Succeeded(result.Hash, updated: true);
            files.Touch();
            // Synchronous, after the publish and before anyone is told: the marker never runs
            // ahead of the content it names.
            engine.Marker?.Write(result.Hash);
            engine.Pipeline.Published(engine.Worktrees.PathFor(result.Hash), result.Hash);
        }
        else
        {
            metrics?.Sync("noop", elapsed);
            status.Succeeded(result.Hash, updated: false);
        }
        // After every successful sync, so stale trees go once their timeout passes even
        // while the ref stands still (a directory listing when nothing is due).
        await CleanupAsync(result.Hash, timeout, stop).ConfigureAwait(false);
        files.ClearError();
        state.Failures = 0;
        state.FirstSync = false;
        state.FullCheck = false;
        state.InitPhase = false;

        if (options.OneTime)
        {
            var delivered = await engine.Pipeline.FirstDeliveriesAsync(stop).ConfigureAwait(false);
            // Old trees are deleted in the background; a one-time run leaves none behind.
            await engine.Worktrees.Recycler.DrainAsync().ConfigureAwait(false);
            log.Info(0, "exiting after one sync", ("status", delivered ? 0 : 1));
            return Next.Exit(delivered ? 0 : 1);
        }
        if (sync.Ref.IsHash && result.Hash == sync.Ref.Text)
        {
            log.Info(1, "ref appears to be a git hash, no further sync needed", ("ref", sync.Ref));
            return new Next(null, Timeout.InfiniteTimeSpan, UntilStopped: true);
        }
        if (log.Enabled(3))
        {
            log.Info(3, "next sync", ("waitTime", options.Period));
        }
        return Next.After(options.Period);
    }

    /// <summary>Clean-up problems are logged, not counted: the sync itself succeeded.</summary>
    /// <param name="ct">This sync's deadline.</param>
    /// <param name="stop">The process's: what runs on after the sync stops only with it.</param>
    private async Task CleanupAsync(string servedHash, CancellationToken ct, CancellationToken stop)
    {
        try
        {
            await engine.CleanupAsync(git, servedHash, ct).ConfigureAwait(false);
            // After the clean-up: its reflog expiry and gc write lock files into every worktree's
            // metadata, the spare's too. In the background: the next sync meets it only if it
            // needs the spare first. A one-time run exits before any next build would use it.
            if (!options.OneTime)
            {
                _ = engine.Worktrees.Recycler.ProveSpareInBackground(git, stop);
            }
        }
        catch (Exception e) when (e is GitException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            log.Error(e.Message, "can't clean up stale worktrees");
        }
    }

    /// <summary>
    /// Waits for the period or a trigger (or, with <paramref name="untilStopped"/>, only for the
    /// stop); null when stopping, otherwise whether a trigger (not the period) ended the wait.
    /// The wait's length is declared to liveness before it starts.
    /// </summary>
    private async Task<bool?> WaitAsync(TimeSpan period, CancellationToken stop, bool untilStopped)
    {
        status.Beat(period);
        try
        {
            if (untilStopped)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, _clock, stop).ConfigureAwait(false);
                return false;
            }
            return await trigger.WaitAsync(period, _clock, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
