namespace GitSync.Sync;

/// <summary>
/// A request to sync now (a signal, later a push webhook). Requests arriving during a sync
/// coalesce into exactly one follow-up sync.
/// </summary>
internal sealed class SyncTrigger
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Fire()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already pending: one follow-up sync covers every request.
        }
    }

    /// <summary>
    /// Waits for <paramref name="delay"/> on <paramref name="clock"/> or a trigger, whichever
    /// comes first; true when it was a trigger.
    /// </summary>
    public async Task<bool> WaitAsync(TimeSpan delay, TimeProvider clock, CancellationToken ct)
    {
        if (delay == Timeout.InfiniteTimeSpan)
        {
            await _signal.WaitAsync(ct).ConfigureAwait(false);
            return true;
        }
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var fired = _signal.WaitAsync(done.Token);
        var elapsed = Task.Delay(delay, clock, done.Token);
        await Task.WhenAny(fired, elapsed).ConfigureAwait(false);
        // Withdraws the losing wait. Should the trigger win this race after all, its request is
        // consumed by the sync that starts now, which is what it asked for.
        await done.CancelAsync().ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        return fired.IsCompletedSuccessfully;
    }
}
