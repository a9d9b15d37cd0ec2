using Prometheus;

namespace GitSync.Http;

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

    public SyncMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        var factory = Metrics.WithCustomRegistry(Registry);
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
    }

    public CollectorRegistry Registry { get; }

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
}
