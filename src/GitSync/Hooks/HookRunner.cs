using GitSync.Git;
using GitSync.Logging;
using GitSync.Metrics;
using GitSync.Platform;

namespace GitSync.Hooks;

/// <summary>
/// Runs one hook asynchronously from the sync loop. Only the newest hash matters: a hash sent
/// while the hook runs or backs off replaces the pending one, and a failed run is retried
/// after the backoff with whatever hash is newest then (at-least-once; hooks must be
/// idempotent). In one-time mode the hook runs once, without retries. The backoff is measured
/// on <paramref name="clock"/> (the system clock when null).
/// </summary>
internal sealed class HookRunner(IHook hook, TimeSpan backoff, bool oneTime, SyncMetrics? metrics, Log log, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly object _gate = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly TaskCompletionSource<bool> _firstRun = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private (string Worktree, string Hash)? _pending;

    public string Name => hook.Name;

    /// <summary>Queues a hash; replaces any hash not yet run.</summary>
    public void Send(string worktree, string hash)
    {
        lock (_gate)
        {
            _pending = (worktree, hash);
        }
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
    }

    /// <summary>Completes with the result of the first run (for --one-time).</summary>
    public Task<bool> FirstRun => _firstRun.Task;

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await _wake.WaitAsync(ct).ConfigureAwait(false);
                while (Take() is { } job)
                {
                    var ok = await RunOnceAsync(job.Worktree, job.Hash, ct).ConfigureAwait(false);
                    _firstRun.TrySetResult(ok);
                    if (ok || oneTime)
                    {
                        break;
                    }
                    // Retry the newest hash after the backoff (a newer one may have arrived).
                    lock (_gate)
                    {
                        _pending ??= job;
                    }
                    await Task.Delay(backoff, _clock, ct).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            _firstRun.TrySetResult(false);
        }
    }

    private (string Worktree, string Hash)? Take()
    {
        lock (_gate)
        {
            var job = _pending;
            _pending = null;
            return job;
        }
    }

    private async Task<bool> RunOnceAsync(string worktree, string hash, CancellationToken ct)
    {
        try
        {
            await hook.RunAsync(worktree, hash, ct).ConfigureAwait(false);
            metrics?.HookRun(hook.Name, success: true);
            log.Info(0, "hook succeeded", ("hook", hook.Name), ("hash", hash));
            return true;
        }
        catch (HookException e)
        {
            metrics?.HookRun(hook.Name, success: false);
            metrics?.Failure(FailureClass.HookFailed.Name);
            log.Error(e.Message, "hook failed", ("hook", hook.Name), ("hash", hash), ("retryIn", oneTime ? "never" : Duration.Format(backoff)),
                ("class", FailureClass.HookFailed.Name), ("hint", FailureClass.HookFailed.Hint));
            return false;
        }
    }
}
