using System.Net;
using System.Net.Sockets;

namespace GitSync.Http;

/// <summary>
/// A token bucket per source address: each source may send <c>burst</c> requests at once and
/// <c>rate</c> per second after that. IPv6 sources are grouped by /64 (one host usually owns a
/// whole /64, so per-address buckets would be free to bypass). The table is bounded: when it is
/// full, buckets that have refilled completely are dropped (they carry no state); if none has,
/// new sources share one overflow bucket.
/// </summary>
internal sealed class SourceRateLimiter
{
    private const int MaxSources = 4096;
    private static readonly UInt128 Overflow = UInt128.MaxValue;

    private readonly double _rate;
    private readonly double _burst;
    private readonly TimeProvider _clock;
    private readonly Dictionary<UInt128, Bucket> _buckets = [];
    private readonly Lock _gate = new();

    /// <param name="ratePerSecond">Sustained requests per second per source; 0 turns limiting off.</param>
    /// <param name="burst">Requests a source may send at once.</param>
    /// <param name="clock">The time source (a fake one in tests).</param>
    public SourceRateLimiter(double ratePerSecond, int burst, TimeProvider clock)
    {
        _rate = ratePerSecond;
        _burst = Math.Max(1, burst);
        _clock = clock;
    }

    public int TrackedSources
    {
        get
        {
            lock (_gate)
            {
                return _buckets.Count;
            }
        }
    }

    /// <summary>Takes a token for <paramref name="source"/>; when none is left, says how long until one is.</summary>
    public bool TryAcquire(IPAddress? source, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_rate <= 0)
        {
            return true;
        }
        var key = Key(source);
        var now = _clock.GetTimestamp();
        lock (_gate)
        {
            if (!_buckets.TryGetValue(key, out var bucket))
            {
                if (_buckets.Count >= MaxSources)
                {
                    Prune(now);
                    if (_buckets.Count >= MaxSources)
                    {
                        key = Overflow;
                    }
                }
                bucket = _buckets.TryGetValue(key, out var shared) ? shared : new Bucket(_burst, now);
            }
            var tokens = Math.Min(_burst, bucket.Tokens + (_clock.GetElapsedTime(bucket.Stamp, now).TotalSeconds * _rate));
            if (tokens >= 1)
            {
                _buckets[key] = new Bucket(tokens - 1, now);
                return true;
            }
            _buckets[key] = new Bucket(tokens, now);
            retryAfter = TimeSpan.FromSeconds((1 - tokens) / _rate);
            return false;
        }
    }

    private void Prune(long now)
    {
        foreach (var (key, bucket) in _buckets)
        {
            if (bucket.Tokens + (_clock.GetElapsedTime(bucket.Stamp, now).TotalSeconds * _rate) >= _burst)
            {
                _buckets.Remove(key);
            }
        }
    }

    /// <summary>IPv4 (also IPv4-mapped IPv6) by address, IPv6 by its /64 prefix.</summary>
    internal static UInt128 Key(IPAddress? address)
    {
        if (address is null)
        {
            return 0;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            // ::ffff:a.b.c.d — never the /64 key of a real IPv6 source (their low half is zero).
            return (UInt128)0xffff_0000_0000UL | System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
        }
        address.TryWriteBytes(bytes, out _);
        var high = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
        return (UInt128)high << 64;
    }

    private readonly record struct Bucket(double Tokens, long Stamp);
}
