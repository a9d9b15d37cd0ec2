using GitSync.Hooks;
using GitSync.Logging;
using GitSync.Metrics;
using GitSync.Trust;

namespace GitSync.Sync;

/// <summary>The publish steps git-sync has today, and the one place they are put in order.</summary>
internal static class PublishSteps
{
    /// <summary>
    /// The pipeline the options ask for: gates (signature check, then pre-publish hook) and
    /// notifications (exec hook, then webhook).
    /// </summary>
    /// <param name="hookEnvironment">The environment command hooks get (the git children's).</param>
    /// <param name="http">The client the webhook calls with; required when one is configured.</param>
    public static PublishPipeline Compose(HookOptions hooks, bool oneTime, SignatureGate? signatures,
        IReadOnlyDictionary<string, string> hookEnvironment, HttpClient? http, SyncMetrics? metrics, Log log, TimeProvider? clock = null)
    {
        var gates = new List<IPublishGate>();
        if (signatures is not null)
        {
            gates.Add(new SignatureCheck(signatures));
        }
        if (hooks.PrePublishHook is { } pre)
        {
            gates.Add(new PrePublishHook(new ExecHook("pre-publish-exechook", pre, hookEnvironment, log), pre.Backoff, metrics, log));
        }
        var notifications = new List<IPublishNotification>();
        if (hooks.ExecHook is { } exec)
        {
            notifications.Add(new HookNotification(new HookRunner(new ExecHook("exechook", exec, hookEnvironment, log), exec.Backoff, oneTime, metrics, log, clock)));
        }
        if (hooks.Webhook is { } web)
        {
            var client = http ?? throw new ArgumentNullException(nameof(http), "a webhook needs an HTTP client");
            notifications.Add(new HookNotification(new HookRunner(new WebHook(web, client, log), web.Backoff, oneTime, metrics, log, clock)));
        }
        return new PublishPipeline { Gates = gates, Notifications = notifications };
    }
}

/// <summary><c>--verify-signatures</c> as a gate: an unverified commit fails the sync; checked again on a tree already served.</summary>
internal sealed class SignatureCheck(SignatureGate gate) : IPublishGate
{
    public string Name => "signature";

    public bool RechecksServedTree => true;

    public bool CanHoldBack => false;

    /// <summary>Tag mode: a release tag (--ref-semver) at the served commit is checked before it counts as served.</summary>
    public bool VerifiesTags => gate.Mode == SignatureMode.Tag;

    public Task CheckAsync(PublishCandidate candidate, CancellationToken ct) => gate.VerifyAsync(candidate.Hash, ct, candidate.Tag);
}

/// <summary>
/// <c>--pre-publish-exechook-*</c> as a gate: the hook runs in the new tree; a failure holds the
/// tree back (the old one keeps serving, not a sync failure) and is asked again after the hook's backoff.
/// </summary>
internal sealed class PrePublishHook(IHook hook, TimeSpan backoff, SyncMetrics? metrics, Log log) : IPublishGate
{
    public string Name => hook.Name;

    public bool RechecksServedTree => false;

    public bool CanHoldBack => true;

    public async Task CheckAsync(PublishCandidate candidate, CancellationToken ct)
    {
        try
        {
            await hook.RunAsync(candidate.Worktree, candidate.Hash, ct).ConfigureAwait(false);
        }
        catch (HookException e)
        {
            metrics?.HookRun(hook.Name, success: false);
            throw new PublishHeldBackException(hook.Name, candidate.Hash, "pre-publish hook failed", e.Message, backoff);
        }
        metrics?.HookRun(hook.Name, success: true);
        log.Info(1, "pre-publish hook succeeded", ("hash", candidate.Hash));
    }
}

/// <summary>An after-publish hook (exec hook, webhook) as a notification: its runner retries and keeps only the newest hash.</summary>
internal sealed class HookNotification(HookRunner runner) : IPublishNotification
{
    public string Name => runner.Name;

    public void Notify(string worktree, string hash) => runner.Send(worktree, hash);

    public Task RunAsync(CancellationToken stop) => runner.RunAsync(stop);

    public Task<bool> FirstDelivery => runner.FirstRun;
}
