using GitSync.Http;
using GitSync.Platform;

namespace GitSync.Cli;

/// <summary>Flags of the HTTP endpoint, its limits and the push trigger, validated into <see cref="HttpOptions"/>.</summary>
internal static class HttpFlags
{
    public static HttpOptions Read(FlagValues f)
    {
        var bind = f.StrOrNull(FlagTable.HttpBind);
        var metrics = f.Bool(FlagTable.HttpMetrics);
        var pprof = f.Bool(FlagTable.HttpPprof);
        if (bind is null && metrics)
        {
            throw new ConfigException("required flag: --http-bind must be specified when --http-metrics is set");
        }
        if (bind is null && pprof)
        {
            throw new ConfigException("required flag: --http-bind must be specified when --http-pprof is set");
        }
        var pushTrigger = PushTrigger(f, bind is not null);
        if (bind is not null)
        {
            _ = Bind.Parse(bind) ?? throw new ConfigException($"invalid flag: --http-bind must be ADDRESS:PORT (got \"{bind}\")");
        }
        return new HttpOptions
        {
            Bind = bind,
            Metrics = metrics,
            Pprof = pprof,
            PushTrigger = pushTrigger,
            Limits = Limits(f),
            MaxStaleness = MaxStaleness(f),
        };
    }

    private static TimeSpan? MaxStaleness(FlagValues f)
    {
        var staleness = f.Dur(FlagTable.MaxStaleness);
        if (staleness < TimeSpan.Zero)
        {
            throw new ConfigException("invalid flag: --max-staleness must be greater than or equal to 0");
        }
        if (staleness > TimeSpan.Zero && string.IsNullOrEmpty(f.Str(FlagTable.HttpBind)))
        {
            throw new ConfigException("required flag: --http-bind must be specified when --max-staleness is set");
        }
        return staleness > TimeSpan.Zero ? staleness : null;
    }

    private static PushTriggerOptions? PushTrigger(FlagValues f, bool httpBind)
    {
        var secretFile = f.StrOrNull(FlagTable.PushTriggerSecretFile);
        var insecure = f.Bool(FlagTable.PushTriggerInsecureNoAuth);
        var peersText = f.StrOrNull(FlagTable.PushTriggerPeers)?.Trim() is { Length: > 0 } text ? text : null;
        if (secretFile is null && !insecure)
        {
            if (peersText is not null)
            {
                throw new ConfigException("required flag: --push-trigger-secret-file (or --push-trigger-insecure-no-auth) must be specified when --push-trigger-peers is set");
            }
            return null;
        }
        var flag = secretFile is not null ? "--push-trigger-secret-file" : "--push-trigger-insecure-no-auth";
        if (secretFile is not null && insecure)
        {
            throw new ConfigException("invalid flag: only one of --push-trigger-secret-file and --push-trigger-insecure-no-auth may be specified");
        }
        if (!httpBind)
        {
            throw new ConfigException($"required flag: --http-bind must be specified when {flag} is set");
        }
        var maxBody = f.Int(FlagTable.PushTriggerMaxBodyBytes);
        if (maxBody is < 1 or > 64 * 1024 * 1024)
        {
            throw new ConfigException("invalid flag: --push-trigger-max-body-bytes must be between 1 and 67108864");
        }
        var rate = f.Int(FlagTable.PushTriggerRateLimit);
        if (rate < 0)
        {
            throw new ConfigException("invalid flag: --push-trigger-rate-limit must be greater than or equal to 0");
        }
        var burst = f.Int(FlagTable.PushTriggerBurst);
        if (burst < 1)
        {
            throw new ConfigException("invalid flag: --push-trigger-burst must be at least 1");
        }
        IReadOnlyList<PeerAddress> peers;
        try
        {
            peers = peersText is null ? [] : PeerAddress.ParseList(peersText);
        }
        catch (FormatException e)
        {
            throw new ConfigException("invalid flag: --push-trigger-peers: " + e.Message);
        }
        return new PushTriggerOptions(secretFile is null ? null : Path.GetFullPath(secretFile), maxBody, rate, burst) { Peers = peers };
    }

    private static HttpLimits Limits(FlagValues f)
    {
        var connections = f.Int(FlagTable.HttpMaxConnections);
        if (connections is < 1 or > 100_000)
        {
            throw new ConfigException("invalid flag: --http-max-connections must be between 1 and 100000");
        }
        var headerTimeout = f.Dur(FlagTable.HttpHeaderTimeout);
        if (headerTimeout < TimeSpan.FromMilliseconds(100))
        {
            throw new ConfigException("invalid flag: --http-header-timeout must be at least 100ms");
        }
        var headerBytes = f.Int(FlagTable.HttpMaxHeaderBytes);
        if (headerBytes is < 1024 or > 1024 * 1024)
        {
            throw new ConfigException("invalid flag: --http-max-header-bytes must be between 1024 and 1048576");
        }
        var keepAlive = f.Dur(FlagTable.HttpKeepaliveTimeout);
        if (keepAlive < TimeSpan.FromSeconds(1))
        {
            throw new ConfigException("invalid flag: --http-keepalive-timeout must be at least 1s");
        }
        return new HttpLimits(connections, headerTimeout, headerBytes, keepAlive);
    }
}
