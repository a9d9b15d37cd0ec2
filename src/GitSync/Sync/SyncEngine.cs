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
    private readonly Link _link;
    private string? _builtUnpublished;

    /// <param name="pipeline">The gates run before the link moves (and the notifications the loop runs after).</param>
    /// <param name="clock">Starts the stale clock of trees taken out of service.</param>
    public SyncEngine(SyncOptions options, GitCli git, Log log, PublishPipeline? pipeline = null, TimeProvider? clock = null)
    {
        _options = options;
        _log = log;
        _root = new RootRepository(options, git, log);
        _worktrees = new Worktrees(options, git, log, clock ?? TimeProvider.System);
        _link = new Link(options.Link);
        Pipeline = pipeline ?? PublishPipeline.Empty;
    }

    public Worktrees Worktrees => _worktrees;

    public PublishPipeline Pipeline { get; }

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
    public async Task<SyncResult> SyncAsync(bool firstSync, bool fullCheck, CancellationToken ct)
    {
        var served = Served();
        // A missing repo or a broken served tree is repaired in this same sync, not after a
        // failure: the full check costs little next to the rebuild that follows anyway.
        if (fullCheck || !served.Sound)
        {
            fullCheck = true;
            await _root.EnsureHealthyAsync(ct).ConfigureAwait(false);
            served = Served();
        }
        var (servedPath, servedHash, servedSound) = served;

        if (!firstSync && !fullCheck && servedSound && !_options.Ref.IsHash)
        {
            var remote = await _root.ProbeRemoteAsync(ct).ConfigureAwait(false);
            if (remote == servedHash)
            {
                if (_log.Enabled(3))
                {
                    _log.Info(3, "update not required", ("ref", _options.Ref), ("hash", remote));
                }
                return new SyncResult(SyncOutcome.Unchanged, servedHash!, false);
            }
        }

        var hash = await _root.FetchAsync(ct).ConfigureAwait(false);
        if (hash == servedHash && servedSound)
        {
            if (!firstSync)
            {
                _log.Info(3, "update not required", ("ref", _options.Ref), ("hash", hash));
                return new SyncResult(SyncOutcome.Unchanged, hash, false);
            }
            // The first sync of a process on an already-synced root still counts as an update
            // (hooks fire, the touch file is touched), but there is nothing to rebuild. What a
            // previous process published is checked again: trust may have changed meanwhile.
            foreach (var gate in Pipeline.Gates.Where(g => g.RechecksServedTree))
            {
                await gate.CheckAsync(new PublishCandidate(servedPath!, hash, AlreadyServed: true), ct).ConfigureAwait(false);
            }
            await _root.ResetSoftAsync(hash, ct).ConfigureAwait(false);
            return new SyncResult(SyncOutcome.Updated, hash, false);
        }
        return await PublishAsync(hash, servedPath, servedHash, ct).ConfigureAwait(false);
    }

    /// <summary>Builds the tree for <paramref name="hash"/> (or reuses one held back), runs the gates and moves the link.</summary>
    private async Task<SyncResult> PublishAsync(string hash, string? servedPath, string? servedHash, CancellationToken ct)
    {
        _log.Info(0, "update required", ("ref", _options.Ref), ("local", servedHash ?? ""), ("remote", hash));
        await _root.ResetSoftAsync(hash, ct).ConfigureAwait(false);
        var target = _worktrees.PathFor(hash);
        var replacing = servedPath == target && Directory.Exists(target);
        string worktree;
        if (_builtUnpublished == hash && !replacing && _worktrees.IsSound(target, hash))
        {
            // Built on an earlier attempt and held back by a gate: reuse it.
            worktree = target;
        }
        else
        {
            _builtUnpublished = null;
            worktree = await _worktrees.BuildAsync(hash, replacing, ct).ConfigureAwait(false);
        }

        // In order; the first refusal throws. The signature check comes before the pre-publish
        // hook: code from an unverified commit never runs.
        foreach (var gate in Pipeline.Gates)
        {
            if (gate.CanHoldBack)
            {
                // Held back or not, the tree is complete: the next attempt at this hash reuses it.
                _builtUnpublished = hash;
            }
            await gate.CheckAsync(new PublishCandidate(worktree, hash, AlreadyServed: false), ct).ConfigureAwait(false);
        }
        _builtUnpublished = null;

        ct.ThrowIfCancellationRequested();
        _link.Publish(worktree);
        if (servedPath is not null && servedPath != worktree)
        {
            _worktrees.MarkUnpublished(servedPath);
        }
        _log.Info(0, "updated successfully", ("ref", _options.Ref), ("remote", hash));
        return new SyncResult(SyncOutcome.Updated, hash, hash != servedHash);
    }

    /// <summary>
    /// Removes stale trees and, if any went, the git objects only they kept alive.
    /// <paramref name="servedHash"/> is what the sync that just succeeded left the link on.
    /// </summary>
    public async Task CleanupAsync(GitCli git, string servedHash, CancellationToken ct)
    {
        _link.RemoveTemp();
        var removed = _worktrees.RemoveStale(_worktrees.PathFor(servedHash));
        if (removed == 0)
        {
            return;
        }
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
