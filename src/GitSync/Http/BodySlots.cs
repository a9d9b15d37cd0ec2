namespace GitSync.Http;

/// <summary>
/// How many <c>/trigger</c> bodies are read at once: the bound on the memory they take (this ×
/// the size limit). A signed delivery has to be read before it can be authenticated, so
/// anonymous clients can take these slots; they must not be able to keep them. A real delivery
/// arrives whole within milliseconds, so when every slot is taken a newcomer takes the slot of
/// the read that has been going on longest, provided it has taken at least
/// <see cref="EvictAfter"/> (that read is answered 408); otherwise the newcomer waits.
/// </summary>
internal sealed class BodySlots(int capacity, TimeProvider clock)
{
    /// <summary>How long a read must have been going on before a newcomer may take its slot.</summary>
    public static readonly TimeSpan EvictAfter = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan RetryEvery = TimeSpan.FromMilliseconds(50);

    private readonly List<Slot> _held = [];
    private readonly Lock _gate = new();

    /// <summary>Waits for a slot; the slot's token is cancelled when a newcomer takes it over.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> fired first.</exception>
    public async Task<Slot> AcquireAsync(CancellationToken cancel)
    {
        while (true)
        {
            Slot? evicted = null;
            Slot? taken = null;
            var now = clock.GetTimestamp();
            lock (_gate)
            {
                if (_held.Count >= capacity)
                {
                    evicted = _held.Where(s => clock.GetElapsedTime(s.Since, now) >= EvictAfter).MinBy(s => s.Since);
                    if (evicted is not null)
                    {
                        _held.Remove(evicted);
                    }
                }
                if (_held.Count < capacity)
                {
                    taken = new Slot(this, now);
                    _held.Add(taken);
                }
            }
            evicted?.Evict();
            if (taken is not null)
            {
                return taken;
            }
            await Task.Delay(RetryEvery, clock, cancel).ConfigureAwait(false);
        }
    }

    private void Release(Slot slot)
    {
        lock (_gate)
        {
            _held.Remove(slot);
        }
    }

    /// <summary>One body being read; dispose to give the slot back.</summary>
    internal sealed class Slot(BodySlots owner, long since) : IDisposable
    {
        private readonly CancellationTokenSource _evicted = new();

        public long Since { get; } = since;

        /// <summary>Cancelled when a newcomer takes this slot over.</summary>
        public CancellationToken Evicted => _evicted.Token;

        internal void Evict()
        {
            try
            {
                _evicted.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Finished meanwhile.
            }
        }

        public void Dispose()
        {
            owner.Release(this);
            _evicted.Dispose();
        }
    }
}
