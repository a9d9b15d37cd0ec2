using GitSync.Git;

namespace GitSync.Sync;

/// <summary>A built tree the link may move to (or, after publish, did move to).</summary>
/// <param name="Worktree">The complete tree for <paramref name="Hash"/>.</param>
/// <param name="Hash">The commit.</param>
/// <param name="AlreadyServed">
/// The link already serves this tree: the first sync of a new process on a root a previous
/// process left synced. Nothing is rebuilt; the gates with <see cref="IPublishGate.RechecksServedTree"/> run again.
/// </param>
internal sealed record PublishCandidate(string Worktree, string Hash, bool AlreadyServed)
{
    /// <summary>With <c>--ref-semver</c>: the release tag this sync follows (the tag a tag-mode signature check verifies instead of --ref).</summary>
    public GitRef? Tag { get; init; }
}

/// <summary>
/// A check before the link moves. It returns to let the tree through. To refuse, it throws:
/// <see cref="PublishHeldBackException"/> keeps the old tree serving without counting a sync
/// failure (the loop asks again after the exception's wait; only a gate with
/// <see cref="CanHoldBack"/> may throw it); any other exception fails the sync.
/// </summary>
internal interface IPublishGate
{
    /// <summary>For logs and metrics.</summary>
    string Name { get; }

    /// <summary>Runs again on a tree already served by a previous process (trust may have changed meanwhile).</summary>
    bool RechecksServedTree { get; }

    /// <summary>
    /// May throw <see cref="PublishHeldBackException"/>. The engine then keeps the built tree and
    /// reuses it on the next attempt at the same hash instead of rebuilding it.
    /// </summary>
    bool CanHoldBack { get; }

    Task CheckAsync(PublishCandidate candidate, CancellationToken ct);
}

/// <summary>
/// Something told after the link moved. <see cref="Notify"/> must return at once (queue the
/// work); the deliveries run in <see cref="RunAsync"/>, which the loop starts once and stops
/// when it ends. Failures are the notification's own business (log, retry): they never fail a sync.
/// </summary>
internal interface IPublishNotification
{
    string Name { get; }

    /// <summary>Queues a delivery for a newly published tree.</summary>
    void Notify(string worktree, string hash);

    /// <summary>Delivers until <paramref name="stop"/>; returns (without throwing) once stopped.</summary>
    Task RunAsync(CancellationToken stop);

    /// <summary>For <c>--one-time</c>: completes with whether the first delivery succeeded (false when stopped first).</summary>
    Task<bool> FirstDelivery { get; }
}

/// <summary>A gate refused a tree for now; the old tree keeps serving and this is not a sync failure.</summary>
/// <param name="gate">The gate's name (its metric label).</param>
/// <param name="summary">What happened, in a few words (the error file's headline): "pre-publish hook failed".</param>
/// <param name="retryAfter">How long the loop waits before asking again.</param>
/// <param name="failureClass">What the refusal is reported as (log, error file, /status, failure metric); the pre-publish hook's class when null.</param>
internal sealed class PublishHeldBackException(string gate, string hash, string summary, string reason, TimeSpan retryAfter, Git.FailureClass? failureClass = null)
    : Exception($"{summary} for {hash}: {reason}")
{
    public Git.FailureClass FailureClass { get; } = failureClass ?? Git.FailureClass.PrePublishRefused;

    public string Gate { get; } = gate;

    public string Hash { get; } = hash;

    public string Summary { get; } = summary;

    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// The publish seam, in one place: what happens around the moment the link moves.
/// <list type="number">
/// <item><see cref="Gates"/> run in order once the tree is built and before the link moves (today:
/// the signature check, then the pre-publish hook — a hook never runs code from an unverified commit).
/// The first refusal stops the publish.</item>
/// <item>The link moves (<see cref="SyncEngine"/>).</item>
/// <item><see cref="Notifications"/> are each told, asynchronously (today: the exec hook and the webhook).</item>
/// </list>
/// To plug in a step, implement <see cref="IPublishGate"/> or <see cref="IPublishNotification"/> and
/// add it where the pipeline is composed (<see cref="PublishSteps.Compose"/>, called by Program).
/// <see cref="SyncEngine"/> runs the gates; <see cref="SyncLoop"/> runs the notifications.
/// </summary>
internal sealed class PublishPipeline
{
    public static PublishPipeline Empty { get; } = new();

    public IReadOnlyList<IPublishGate> Gates { get; init; } = [];

    public IReadOnlyList<IPublishNotification> Notifications { get; init; } = [];

    /// <summary>Tells every notification about a published tree.</summary>
    public void Published(string worktree, string hash)
    {
        foreach (var notification in Notifications)
        {
            notification.Notify(worktree, hash);
        }
    }

    /// <summary>For <c>--one-time</c>: waits for every notification's first delivery; true when all succeeded.</summary>
    public async Task<bool> FirstDeliveriesAsync(CancellationToken ct)
    {
        var ok = true;
        try
        {
            foreach (var notification in Notifications)
            {
                ok &= await notification.FirstDelivery.WaitAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        return ok;
    }
}
