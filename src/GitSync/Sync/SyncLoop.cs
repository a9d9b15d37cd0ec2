using System.Diagnostics;
using GitSync.Git;
using GitSync.Logging;
using GitSync.Metrics;
using GitSync.Platform;

namespace GitSync.Sync;

/// <summary>
/// The loop around one sync (spec §4): the init phase (until the first success) and the steady
/// state, each with its own period and failure budget; the sync timeout; the error and touch
/// files; readiness and metrics; and the early stops (<c>--one-time</c>, a hash ref).
/// </summary>
internal sealed class SyncLoop(
    SyncOptions sync,
    LoopOptions options,
    TimeSpan prePublishBackoff,
    SyncEngine engine,
    GitCli git,
    SyncTrigger trigger,
    SyncStatus status,
    SyncMetrics? metrics,
    StatusFiles files,
    Log log)
{
    /// <summary>Runs before each sync, inside its timeout (credential refresh).</summary>
    public Func<bool, CancellationToken, Task>? BeforeSync { get; init; }

    /// <summary>Called after each update with the served hash (hooks subscribe here).</summary>
    public Func<string, string, CancellationToken, Task>? Published { get; init; }

    /// <summary>For --one-time: waits for the hooks' first runs; true when all succeeded.</summary>
    public Func<CancellationToken, Task<bool>>? WaitForHooks { get; init; }

    /// <summary>Runs until stopped or until --one-time / the failure budget ends it; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        var failures = 0;
        var firstSync = true;
        var fullCheck = true;
        var initPhase = true;
        while (true)
        {
            var started = Stopwatch.GetTimestamp();
            status.Beat();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(options.SyncTimeout);
            SyncResult result;
            try
            {
                if (BeforeSync is not null)
                {
                    // fullCheck: first sync or after a failure, when credentials are stored afresh.
                    await BeforeSync(fullCheck, timeout.Token).ConfigureAwait(false);
                }
                result = await engine.SyncAsync(firstSync, fullCheck, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (stop.IsCancellationRequested && e is OperationCanceledException or GitException)
            {
                return 0;
            }
            catch (PrePublishRejectedException e)
            {
                // A gate, not a failure: keep serving the old tree and ask again after the
                // hook's backoff (a newer hash, if any, takes this one's place).
                metrics?.HookRun(e.HookName, success: false);
                log.Error(e.Message, "not publishing, will retry", ("hash", e.Hash));
                files.WriteError("pre-publish hook failed", e.Message);
                if (options.OneTime)
                {
                    return 1;
                }
                if (!await WaitAsync(prePublishBackoff, stop).ConfigureAwait(false))
                {
                    return 0;
                }
                continue;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                status.Beat();
                var message = e is OperationCanceledException ? $"sync timed out after {Duration.Format(options.SyncTimeout)}" : e.Message;
                // The error file first: whoever sees the failure counted (in /metrics or /status)
                // finds its file already written.
                files.WriteError("error syncing repo, will retry", message);
                metrics?.Sync("error", Stopwatch.GetElapsedTime(started));
                status.Failed(message);
                failures++;
                fullCheck = true;
                var budget = initPhase ? options.InitMaxFailures : options.MaxFailures;
                if (budget >= 0 && failures > budget)
                {
                    log.Error(message, "too many failures, aborting", ("failCount", failures));
                    return 1;
                }
                log.Error(message, "error syncing repo, will retry", ("failCount", failures));
                if (!await WaitAsync(initPhase ? options.InitPeriod : options.Period, stop).ConfigureAwait(false))
                {
                    return 0;
                }
                continue;
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            status.Beat();
            if (result.PrePublishHook is { } gate)
            {
                metrics?.HookRun(gate, success: true);
            }
            if (result.Outcome == SyncOutcome.Updated)
            {
                metrics?.Fetch();
                metrics?.Sync("success", elapsed);
                status.Succeeded(result.Hash, updated: true);
                files.Touch();
                if (Published is not null)
                {
                    await Published(engine.Worktrees.PathFor(result.Hash), result.Hash, stop).ConfigureAwait(false);
                }
            }
            else
            {
                metrics?.Sync("noop", elapsed);
                status.Succeeded(result.Hash, updated: false);
            }
            // After every successful sync, so stale trees go once their timeout passes even
            // while the ref stands still (a directory listing when nothing is due).
            await CleanupAsync(result.Hash, timeout.Token).ConfigureAwait(false);
            files.ClearError();
            failures = 0;
            firstSync = false;
            fullCheck = false;
            initPhase = false;

            if (options.OneTime)
            {
                var hooksOk = WaitForHooks is null || await WaitForHooks(stop).ConfigureAwait(false);
                // Old trees are deleted in the background; a one-time run leaves none behind.
                await engine.Worktrees.Recycler.DrainAsync().ConfigureAwait(false);
                log.Info(0, "exiting after one sync", ("status", hooksOk ? 0 : 1));
                return hooksOk ? 0 : 1;
            }
            if (sync.Ref.IsHash && result.Hash == sync.Ref.Text)
            {
                log.Info(1, "ref appears to be a git hash, no further sync needed", ("ref", sync.Ref));
                await WaitAsync(Timeout.InfiniteTimeSpan, stop, untilStopped: true).ConfigureAwait(false);
                return 0;
            }
            if (log.Enabled(3))
            {
                log.Info(3, "next sync", ("waitTime", options.Period));
            }
            if (!await WaitAsync(options.Period, stop).ConfigureAwait(false))
            {
                return 0;
            }
        }
    }

    /// <summary>Clean-up problems are logged, not counted: the sync itself succeeded.</summary>
    private async Task CleanupAsync(string servedHash, CancellationToken ct)
    {
        try
        {
            await engine.CleanupAsync(git, servedHash, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is GitException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            log.Error(e.Message, "can't clean up stale worktrees");
        }
    }

    /// <summary>
    /// Waits for the period or a trigger (or, with <paramref name="untilStopped"/>, only for the
    /// stop); false when stopping. The wait's length is declared to liveness before it starts.
    /// </summary>
    private async Task<bool> WaitAsync(TimeSpan period, CancellationToken stop, bool untilStopped = false)
    {
        status.Beat(period);
        try
        {
            await (untilStopped ? Task.Delay(Timeout.Infinite, stop) : trigger.WaitAsync(period, stop)).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
