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

    /// <summary>Waits for <paramref name="delay"/> or a trigger, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan delay, CancellationToken ct)
    {
        if (delay == Timeout.InfiniteTimeSpan)
        {
            await _signal.WaitAsync(ct).ConfigureAwait(false);
            return;
        }
        await _signal.WaitAsync(delay, ct).ConfigureAwait(false);
    }
}
