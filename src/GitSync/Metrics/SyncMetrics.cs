using Prometheus;

namespace GitSync.Metrics;

/// <summary>
/// git-sync's Prometheus metrics (spec §7), with upstream's names, types and labels, in a
/// registry of their own together with the process metrics.
/// </summary>
internal sealed class SyncMetrics
{
    private readonly Counter _syncCount;
    private readonly Summary _syncDuration;
    private readonly Counter _fetchCount;
    private readonly Counter _askpassCalls;
    private readonly Counter _githubAppTokenRefreshes;
    private readonly Counter _hookRuns;
    private readonly Counter _pushTriggers;
    private readonly Counter _pushTriggerRejections;
    private readonly Counter _pushTriggerForwards;
    private readonly Counter _signatureVerifications;
    private readonly Counter _failures;
    private readonly Gauge _lastSuccess;
    private readonly Gauge _consecutiveFailures;
    private readonly Gauge _publishedHash;
    private readonly Lock _publishedGate = new();
    private string? _published;

    public SyncMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _syncDuration = factory.CreateSummary("git_sync_duration_seconds", "Summary of git_sync durations",
            new SummaryConfiguration { LabelNames = ["status"] });
        _syncCount = factory.CreateCounter("git_sync_count_total", "How many git syncs completed, partitioned by state (success, error, noop)",
            new CounterConfiguration { LabelNames = ["status"] });
        _fetchCount = factory.CreateCounter("git_fetch_count_total", "How many git fetches were run");
        _askpassCalls = factory.CreateCounter("git_sync_askpass_calls", "How many git askpass calls completed, partitioned by state (success, error)",
            new CounterConfiguration { LabelNames = ["status"] });
        _githubAppTokenRefreshes = factory.CreateCounter("git_sync_refresh_github_app_token_count", "How many times the GitHub app token was refreshed, partitioned by state (success, error)",
            new CounterConfiguration { LabelNames = ["status"] });
        _hookRuns = factory.CreateCounter("git_sync_hook_run_count_total", "How many hook runs completed, partitioned by name and state (success, error)",
            new CounterConfiguration { LabelNames = ["name", "status"] });
        _pushTriggers = factory.CreateCounter("git_sync_push_trigger_requests_total", "How many push trigger requests were received, partitioned by source (github, gitea, forgejo, gitlab, bearer, other) and result (queued, ignored, rejected)",
            new CounterConfiguration { LabelNames = ["source", "result"] });
        _pushTriggerRejections = factory.CreateCounter("git_sync_push_trigger_rejected_total", "How many push trigger requests were rejected, partitioned by reason",
            new CounterConfiguration { LabelNames = ["reason"] });
        _pushTriggerForwards = factory.CreateCounter("git_sync_push_trigger_forwards_total", "How many push deliveries were forwarded to peers, partitioned by result (delivered, rejected, error, timeout, unresolved, dropped)",
            new CounterConfiguration { LabelNames = ["result"] });
        _signatureVerifications = factory.CreateCounter("git_sync_signature_verifications_total", "How many signature verifications completed, partitioned by result (valid, unsigned, untrusted, bad, expired, error)",
            new CounterConfiguration { LabelNames = ["result"] });
        _failures = factory.CreateCounter("git_sync_failures_total", "How many failures occurred (failed syncs, refused pre-publish hooks, failed hooks), partitioned by class (see docs/troubleshooting.md)",
            new CounterConfiguration { LabelNames = ["class"] });
        _lastSuccess = factory.CreateGauge("git_sync_last_success_timestamp_seconds", "When the last successful sync finished, in seconds since the epoch (0 before the first)");
        _consecutiveFailures = factory.CreateGauge("git_sync_consecutive_failures", "How many syncs in a row have failed since the last success");
        _publishedHash = factory.CreateGauge("git_sync_published_info", "The hash served since the last successful sync, as a label; the value is always 1",
            new GaugeConfiguration { LabelNames = ["hash"] });
    }

    /// <summary>Reads the freshness gauges through <paramref name="read"/> whenever metrics are scraped.</summary>
    public void Observe(Func<(DateTimeOffset? LastSuccess, int ConsecutiveFailures, string? Hash)> read)
    {
        Registry.AddBeforeCollectCallback(() =>
        {
            var now = read();
            _lastSuccess.Set(now.LastSuccess?.ToUnixTimeMilliseconds() / 1000.0 ?? 0);
            _consecutiveFailures.Set(now.ConsecutiveFailures);
            lock (_publishedGate)
            {
                if (now.Hash != _published)
                {
                    if (_published is not null)
                    {
                        _publishedHash.RemoveLabelled(_published);
                    }
                    if (now.Hash is not null)
                    {
                        _publishedHash.WithLabels(now.Hash).Set(1);
                    }
                    _published = now.Hash;
                }
            }
        });
    }

    /// <summary>One signature verification: valid, unsigned, untrusted, bad, expired or error.</summary>
    public void SignatureVerification(string result) => _signatureVerifications.WithLabels(result).Inc();

    public CollectorRegistry Registry { get; }

    /// <summary>One failure of <paramref name="failureClass"/>: a name from the fixed catalogue (Git.FailureClass), never free text.</summary>
    public void Failure(string failureClass) => _failures.WithLabels(failureClass).Inc();

    /// <summary>A finished sync: <paramref name="status"/> is success, error or noop.</summary>
    public void Sync(string status, TimeSpan duration)
    {
        _syncCount.WithLabels(status).Inc();
        _syncDuration.WithLabels(status).Observe(duration.TotalSeconds);
    }

    /// <summary>A sync that fetched and published (or the first sync of the process).</summary>
    public void Fetch() => _fetchCount.Inc();

    public void AskpassCall(bool success) => _askpassCalls.WithLabels(success ? "success" : "error").Inc();

    public void GitHubAppTokenRefresh(bool success) => _githubAppTokenRefreshes.WithLabels(success ? "success" : "error").Inc();

    public void HookRun(string name, bool success) => _hookRuns.WithLabels(name, success ? "success" : "error").Inc();

    /// <summary>A push trigger request: <paramref name="result"/> is queued, ignored or rejected.</summary>
    public void PushTrigger(string source, string result) => _pushTriggers.WithLabels(source, result).Inc();

    /// <summary>Why a push trigger request was rejected (unauthorized, rate_limited, too_large, …).</summary>
    public void PushTriggerRejected(string reason) => _pushTriggerRejections.WithLabels(reason).Inc();

    /// <summary>One forward of a delivery to a peer (or a delivery dropped before any): delivered, rejected, error, timeout, unresolved or dropped.</summary>
    public void PushTriggerForward(string result) => _pushTriggerForwards.WithLabels(result).Inc();
}
