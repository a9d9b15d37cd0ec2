namespace GitSync.Http;

/// <summary>
/// The push trigger (<c>POST /trigger</c>): the secret file (null only when running
/// unauthenticated was asked for explicitly), the body size limit, and the per-source rate limit.
/// </summary>
internal sealed record PushTriggerOptions(string? SecretFile, int MaxBodyBytes, int RatePerSecond, int Burst)
{
    /// <summary><c>--push-trigger-peers</c>: where authenticated deliveries are forwarded (empty: nowhere).</summary>
    public IReadOnlyList<PeerAddress> Peers { get; init; } = [];
}

/// <summary>
/// The HTTP server's limits that a deployment may need to change (the fixed ones live in
/// <see cref="HttpEndpoint"/>; all are listed in docs/operations.md).
/// </summary>
/// <param name="MaxConnections">Connections served at once.</param>
/// <param name="HeaderTimeout">How long a client may take to send a request's line and headers.</param>
/// <param name="MaxHeaderBytes">The largest request headers accepted, all together.</param>
/// <param name="KeepAliveTimeout">How long an idle connection is kept open for its next request.</param>
internal sealed record HttpLimits(int MaxConnections, TimeSpan HeaderTimeout, int MaxHeaderBytes, TimeSpan KeepAliveTimeout)
{
    public static HttpLimits Default { get; } = new(512, TimeSpan.FromSeconds(10), 16 * 1024, TimeSpan.FromSeconds(75));
}

/// <summary>The HTTP endpoint: where it listens (null: no endpoint) and what it serves.</summary>
internal sealed record HttpOptions
{
    /// <summary><c>--http-bind</c>, as given; null when there is no HTTP endpoint.</summary>
    public string? Bind { get; init; }
    public bool Metrics { get; init; }
    public bool Pprof { get; init; }
    public PushTriggerOptions? PushTrigger { get; init; }
    public HttpLimits Limits { get; init; } = HttpLimits.Default;
    /// <summary>--max-staleness: readiness fails when the last success is older; null when off.</summary>
    public TimeSpan? MaxStaleness { get; init; }
}
