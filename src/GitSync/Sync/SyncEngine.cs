using GitSync.Git;
using GitSync.Logging;

namespace GitSync.Sync;

/// <summary>What one sync did.</summary>
internal enum SyncOutcome
{
    /// <summary>The served tree already matched the remote; nothing was touched.</summary>
    Unchanged,
    /// <summary>A tree was (re)built and published, or this was the first sync of the process.</summary>
    Updated,
}

internal sealed record SyncResult(SyncOutcome Outcome, string Hash, bool HashChanged);

/// <summary>
/// One sync, top to bottom (spec §3). Steady state is cheap: with a sound served tree the
/// only process started is one <c>git ls-remote</c> of the ref; the full health checks and
/// the fetch run on the first sync, after a failure, and when the ref has moved.
/// </summary>
internal sealed class SyncEngine
{
    private readonly SyncOptions _options;
    private readonly Log _log;
    private readonly RootRepository _root;
    private readonly Worktrees _worktrees;
    private readonly IPublisher _link;
    private string? _builtUnpublished;

    /// <param name="pipeline">The gates run before the link moves (and the notifications the loop runs after).</param>
    /// <param name="clock">Starts the stale clock of trees taken out of service.</param>
    /// <param name="releases">With --ref-semver, the follower whose state /status shows (made here when not given).</param>
    public SyncEngine(SyncOptions options, GitCli git, Log log, PublishPipeline? pipeline = null, TimeProvider? clock = null, ReleaseFollower? releases = null)
    {
        Pipeline = pipeline ?? PublishPipeline.Empty;
        Releases = releases ?? (options.RefSemver is { } range
            ? new ReleaseFollower(range, options.Repo, options.Root, git, Pipeline.Gates.OfType<SignatureCheck>().Any(c => c.VerifiesTags), log)
            : null);
        _options = options;
        _log = log;
        _root = new RootRepository(options, git, log);
        _worktrees = new Worktrees(options, git, log, clock ?? TimeProvider.System);
        Marker = options.MarkerFile is null ? null : new Marker(options.MarkerFile, clock ?? TimeProvider.System, log);
        _link = Publisher.For(options, git, log, Marker, _worktrees);
    }

    public Worktrees Worktrees => _worktrees;

    /// <summary>The <c>--marker-file</c>, written after each publish; null without the flag.</summary>
    public Marker? Marker { get; }

    public PublishPipeline Pipeline { get; }

    /// <summary>With <c>--ref-semver</c>: picks the tag each sync follows.</summary>
    public ReleaseFollower? Releases { get; }

    /// <summary>The hash a served tree is named after (<c>&lt;hash&gt;</c> or v3's <c>rev-&lt;hash&gt;</c>), if any.</summary>
    private static string? HashOf(string? target)
    {
        if (target is null)
        {
            return null;
        }
        var name = Path.GetFileName(target);
        if (name.StartsWith("rev-", StringComparison.Ordinal))
        {
            name = name[4..];
        }
        return GitRef.IsFullHash(name) ? name : null;
    }

    /// <summary>
    /// What the link serves: its target, the hash it is named after, and whether it is sound
    /// (served from .worktrees/&lt;hash&gt; rather than a v3 layout, intact, and its repo present).
    /// Reads a symlink and two small files; starts no process.
    /// </summary>
    private (string? Path, string? Hash, bool Sound) Served()
    {
        var path = _link.Target();
        var hash = HashOf(path);
        var sound = hash is not null
            && path == _worktrees.PathFor(hash)
            && Directory.Exists(_root.GitDir)
            && _worktrees.IsSound(path, hash);
        return (path, hash, sound);
    }

    /// <param name="firstSync">The first sync of this process: always fetch and always count as an update.</param>
    /// <param name="fullCheck">Run the full root health checks (start-up, after a failure).</param>
    /// <param name="triggered">A signal or push trigger asked for this sync: it says the ref moved, so fetch at once instead of probing first.</param>
    public async Task<SyncResult> SyncAsync(bool firstSync, bool fullCheck, bool triggered, CancellationToken ct)
    {
        var served = Served();
        // A missing repo or a broken served tree is repaired in this same sync, not after a
        // failure: the full check costs little next to the rebuild that follows anyway.
        if (fullCheck || !served.Sound)
        {
            fullCheck = true;
            // The check removes any lock as a leftover of a killed git: ours must not be running.
            _worktrees.Recycler.StopSpareCheck();
            await _root.EnsureHealthyAsync(ct).ConfigureAwait(false);
            served = Served();
        }
        var (servedPath, servedHash, servedSound) = served;

        // --ref-semver: this sync follows the newest tag in range; its listing is the probe.
        var release = Releases is null ? null : await Releases.ChooseAsync(servedHash, ct).ConfigureAwait(false);
        var wanted = release?.Ref ?? _options.Ref;

        if (!firstSync && !fullCheck && servedSound && !wanted.IsHash)
        {
            // A trigger skips the probe (null: inconclusive, so fetch): after a push the probe
            // would only add a round trip, and an unchanged fetch costs what it always did.
            var remote = release is not null ? release.Commit : triggered ? null : await _root.ProbeRemoteAsync(ct).ConfigureAwait(false);
            if (remote == servedHash && (release is null || !Releases!.MustVerify(release)))
            {
                if (_log.Enabled(3))
                {
                    _log.Info(3, "update not required", ("ref", wanted), ("hash", remote));
                }
                ServedRelease(release);
                return new SyncResult(SyncOutcome.Unchanged, servedHash!, false);
            }
        }

        var hash = await _root.FetchAsync(ct, wanted).ConfigureAwait(false);
        if (hash == servedHash && servedSound)
        {
            if (!firstSync)
            {
                if (release is not null && Releases!.MustVerify(release))
                {
                    // Another tag (or the same one re-made) at the served commit: it is served
                    // only once its own signature passes.
                    await RecheckServedAsync(servedPath!, hash, release, ct).ConfigureAwait(false);
                }
                _log.Info(3, "update not required", ("ref", wanted), ("hash", hash));
                ServedRelease(release);
                return new SyncResult(SyncOutcome.Unchanged, hash, false);
            }
            // The first sync of a process on an already-synced root still counts as an update
            // (hooks fire, the touch file is touched), but there is nothing to rebuild. What a
            // previous process published is checked again: trust may have changed meanwhile.
            await RecheckServedAsync(servedPath!, hash, release, ct).ConfigureAwait(false);
            await _root.ResetSoftAsync(hash, ct).ConfigureAwait(false);
            ServedRelease(release);
            return new SyncResult(SyncOutcome.Updated, hash, false);
        }
        return await PublishAsync(hash, servedPath, servedHash, release, ct).ConfigureAwait(false);
    }

    /// <summary>The gates that recheck a tree already served, run on it again.</summary>
    private async Task RecheckServedAsync(string servedPath, string hash, ReleaseTag? release, CancellationToken ct)
    {
        foreach (var gate in Pipeline.Gates.Where(g => g.RechecksServedTree))
        {
            await CheckGateAsync(gate, new PublishCandidate(servedPath, hash, AlreadyServed: true) { Tag = release?.Ref }, release, ct).ConfigureAwait(false);
        }
    }

    /// <summary>One gate; with --ref-semver a refused signature is recorded against the release tag before it fails the sync.</summary>
    private async Task CheckGateAsync(IPublishGate gate, PublishCandidate candidate, ReleaseTag? release, CancellationToken ct)
    {
        try
        {
            await gate.CheckAsync(candidate, ct).ConfigureAwait(false);
        }
        catch (Trust.SignatureRejectedException e) when (release is not null)
        {
            Releases!.Rejected(release, e);
            throw;
        }
    }

    private void ServedRelease(ReleaseTag? release)
    {
        if (release is not null)
        {
            Releases!.Served(release);
        }
    }

    /// <summary>Builds the tree for <paramref name="hash"/> (or reuses one held back), runs the gates and moves the link.</summary>
    private async Task<SyncResult> PublishAsync(string hash, string? servedPath, string? servedHash, ReleaseTag? release, CancellationToken ct)
    {
        var wanted = release?.Ref ?? _options.Ref;
        _log.Info(0, "update required", ("ref", wanted), ("local", servedHash ?? ""), ("remote", hash));
        // Beside the build, which never touches the root's HEAD (the reset only moves it, to keep
        // the commit reachable); both are done before any gate looks at the tree.
        var resetting = _root.ResetSoftAsync(hash, ct);
        string worktree;
        try
        {
            worktree = await BuildOrReuseAsync(hash, servedPath, ct).ConfigureAwait(false);
        }
        catch
        {
            // The build's failure is the one to report; the reset is waited for, its outcome read.
            await Task.WhenAny(resetting).ConfigureAwait(false);
            _ = resetting.Exception;
            throw;
        }
        await resetting.ConfigureAwait(false);

        // In order; the first refusal throws. The signature check comes before the pre-publish
        // hook: code from an unverified commit never runs.
        foreach (var gate in Pipeline.Gates)
        {
            if (gate.CanHoldBack)
            {
                // Held back or not, the tree is complete: the next attempt at this hash reuses it.
                _builtUnpublished = hash;
            }
            await CheckGateAsync(gate, new PublishCandidate(worktree, hash, AlreadyServed: false) { Tag = release?.Ref }, release, ct).ConfigureAwait(false);
        }
        _builtUnpublished = null;

        ct.ThrowIfCancellationRequested();
        await _link.PublishAsync(worktree, ct).ConfigureAwait(false);
        if (servedPath is not null && servedPath != worktree)
        {
            _worktrees.MarkUnpublished(servedPath);
        }
        _log.Info(0, "updated successfully", ("ref", wanted), ("remote", hash));
        ServedRelease(release);
        return new SyncResult(SyncOutcome.Updated, hash, hash != servedHash);
    }

    /// <summary>The tree for <paramref name="hash"/>: one built on an earlier attempt and held back by a gate, else a new build.</summary>
    private async Task<string> BuildOrReuseAsync(string hash, string? servedPath, CancellationToken ct)
    {
        var target = _worktrees.PathFor(hash);
        var replacing = servedPath == target && Directory.Exists(target);
        if (_builtUnpublished == hash && !replacing && _worktrees.IsSound(target, hash))
        {
            return target;
        }
        _builtUnpublished = null;
        return await _worktrees.BuildAsync(hash, replacing, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes stale trees and, if any went, the git objects only they kept alive.
    /// <paramref name="servedHash"/> is what the sync that just succeeded left the link on.
    /// </summary>
    public async Task CleanupAsync(GitCli git, string servedHash, CancellationToken ct)
    {
        _link.RemoveTemp();
        var removed = _worktrees.RemoveStale(_worktrees.PathFor(servedHash));
        if (removed > 0)
        {
            await CollectGarbageAsync(git, ct).ConfigureAwait(false);
        }
    }

    /// <summary>After trees were removed: drops their metadata and the objects only they kept alive.</summary>
    private async Task CollectGarbageAsync(GitCli git, CancellationToken ct)
    {
        await git.RunAsync(_options.Root, ["worktree", "prune", "--verbose"], ct).ConfigureAwait(false);
        // Without expiring the reflog, objects of removed trees stay reachable and gc keeps them.
        // --expire=all as well: nothing reads the root's reflog, and with --depth=0 (every old
        // commit still reachable) it would otherwise grow by two lines per update for
        // gc.reflogExpire (90 days).
        await git.RunAsync(_options.Root, ["reflog", "expire", "--expire=all", "--expire-unreachable=all", "--all"], ct).ConfigureAwait(false);
        string[]? gc = _options.GitGc switch
        {
            GcMode.Auto => ["gc", "--auto"],
            GcMode.Always => ["gc"],
            GcMode.Aggressive => ["gc", "--aggressive"],
            _ => null,
        };
        if (gc is not null)
        {
            var packsBefore = _root.Packs();
            await git.RunAsync(_options.Root, gc, ct).ConfigureAwait(false);
            // A partial clone's gc keeps every promisor object (see the method); finish the job
            // whenever gc repacked: always for always/aggressive, when its thresholds hit for auto.
            if (_options.GitGc != GcMode.Auto || !packsBefore.SetEquals(_root.Packs()))
            {
                await _root.DropUnreachablePromisorObjectsAsync(ct).ConfigureAwait(false);
            }
        }
    }
}
