using GitSync.Git;
using GitSync.Logging;
using GitSync.Platform;

namespace GitSync.Sync;

/// <summary>
/// Evidence that the spare tree is, file for file, a fresh checkout of its commit, and has
/// stayed so since: checked once with git off the critical path (when the tree has just become
/// the spare), then kept current by an inotify watch on every directory of the tree and on its
/// git metadata. While it holds, the next build only needs the files that differ between the
/// spare's commit and the new one (a two-way <c>read-tree</c>), not a stat of every file and a
/// walk for untracked ones (<c>reset --hard</c> and <c>clean</c>).
/// <para>
/// The watch does not see writes through a writable memory map or through a hard link made in
/// another directory; a tree's own hooks and consumers write into the tree while it is served,
/// which the check catches, and the spare is out of their sight (inside <c>.git</c>).
/// </para>
/// </summary>
internal sealed class SpareProof : IDisposable
{
    /// <summary>Watches cost kernel memory and count against a per-user limit: bigger trees go without.</summary>
    public const int MaxDirectories = 10_000;

    private readonly DirectoryWatch _watch;

    private SpareProof(string hash, DirectoryWatch watch)
    {
        Hash = hash;
        _watch = watch;
    }

    /// <summary>The commit the spare was proven clean at.</summary>
    public string Hash { get; }

    /// <summary>Nothing has changed in the tree or its metadata since the check.</summary>
    public bool StillHolds() => _watch.IsQuiet();

    /// <summary>
    /// Checks that <paramref name="tree"/> (git metadata <paramref name="metadata"/>, HEAD at
    /// <paramref name="hash"/>) holds exactly its commit, starting the watch first so that
    /// nothing can change unseen between the check and the use. Returns the proof, or the
    /// reason there is none.
    /// </summary>
    public static async Task<(SpareProof? Proof, string Reason)> TryProveAsync(GitCli git, string tree, string metadata, string hash, CancellationToken ct)
    {
        var watch = DirectoryWatch.TryWatchTree(tree, MaxDirectories);
        if (watch is null)
        {
            return (null, $"its directories can't be watched (inotify unavailable or more than {MaxDirectories})");
        }
        var reason = await CheckAsync(git, tree, metadata, watch, ct).ConfigureAwait(false);
        if (reason is not null)
        {
            watch.Dispose();
            return (null, reason);
        }
        return (new SpareProof(hash, watch), "");
    }

    private static async Task<string?> CheckAsync(GitCli git, string tree, string metadata, DirectoryWatch watch, CancellationToken ct)
    {
        // Every tracked file is there with its index content and mode: stat data where it can
        // tell, the content where it can't (racy or assume-unchanged entries). Writes only the
        // index, in the metadata, which is watched from after this step.
        var refresh = await git.RunAsync(tree, ["update-index", "--really-refresh"], ct, check: false).ConfigureAwait(false);
        if (refresh.ExitCode != 0)
        {
            // "<path>: needs update" lines on stdout; otherwise git could not even refresh (a lock left by a kill).
            return refresh.Stdout.Length > 0 ? "tracked files were changed" : "its index can't be refreshed";
        }
        if (!watch.TryAdd(metadata))
        {
            return "its git metadata can't be watched";
        }
        // The index is the commit: nobody staged anything.
        var index = await git.RunAsync(tree, ["diff-index", "--cached", "--quiet", "HEAD", "--"], ct, check: false).ConfigureAwait(false);
        if (index.ExitCode != 0)
        {
            return "its index differs from its commit";
        }
        // Nothing the index does not track: no untracked or ignored file, no empty or nested-repo directory.
        var others = await git.RunAsync(tree, ["ls-files", "--others", "--directory", "-z"], ct, check: false).ConfigureAwait(false);
        if (others.ExitCode != 0 || others.Stdout.Length != 0)
        {
            return "it holds untracked or ignored files";
        }
        return watch.IsQuiet() ? null : "it changed while being checked";
    }

    public void Dispose() => _watch.Dispose();
}

/// <summary>
/// Runs the spare's check (<see cref="SpareProof.TryProveAsync"/>) in the background, so that a
/// sync never waits for it before it needs the spare, and holds the proof it yields. The build
/// that takes the spare lets a running check finish (<see cref="HoldsAsync"/>): what is left of
/// it costs less than the full update it saves, and its refresh settles the index that update
/// would otherwise rewrite files for. Whoever discards the spare, or a full check of the root,
/// stops the check instead.
/// </summary>
internal sealed class SpareChecker(Log log)
{
    private readonly object _gate = new();
    private SpareProof? _proof;
    private Task _running = Task.CompletedTask;
    private CancellationTokenSource? _cancel;

    /// <summary>A check was started for the current spare (whatever it found): none is started again until <see cref="Forget"/>.</summary>
    public bool Started { get; private set; }

    /// <summary>
    /// Starts checking <paramref name="tree"/> at <paramref name="hash"/>; <paramref name="stillComplete"/>
    /// is asked once the metadata is watched (HEAD and marker may have moved before).
    /// Returns the background task (it never throws).
    /// </summary>
    public Task Start(GitCli git, string tree, string metadata, string hash, Func<bool> stillComplete, CancellationToken stopping)
    {
        Stop();
        Started = true;
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _cancel = cancel;
        _running = Task.Run(() => RunAsync(git, tree, metadata, hash, stillComplete, cancel.Token), CancellationToken.None);
        return _running;
    }

    private async Task RunAsync(GitCli git, string tree, string metadata, string hash, Func<bool> stillComplete, CancellationToken ct)
    {
        try
        {
            var (proof, reason) = await SpareProof.TryProveAsync(git, tree, metadata, hash, ct).ConfigureAwait(false);
            if (proof is not null && !stillComplete())
            {
                proof.Dispose();
                (proof, reason) = (null, "its HEAD moved");
            }
            lock (_gate)
            {
                _proof = proof;
            }
            if (log.Enabled(2))
            {
                log.Info(2, proof is null ? "spare worktree needs a full update" : "spare worktree is clean", ("hash", hash), ("reason", reason));
            }
        }
        catch (OperationCanceledException)
        {
            log.Info(2, "spare worktree check stopped", ("hash", hash));
        }
        catch (Exception e) when (e is GitException or IOException or UnauthorizedAccessException)
        {
            log.Info(2, "spare worktree needs a full update", ("hash", hash), ("reason", e.Message));
        }
    }

    /// <summary>
    /// Lets a running check finish (or stops it when <paramref name="ct"/> ends first, and
    /// throws), then reports whether a proof for <paramref name="hash"/> still holds.
    /// </summary>
    public async Task<bool> HoldsAsync(string hash, CancellationToken ct)
    {
        try
        {
            await _running.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Stop();
            throw;
        }
        lock (_gate)
        {
            return _proof is { } proof && proof.Hash == hash && proof.StillHolds();
        }
    }

    /// <summary>The spare is about to change or go: stop checking it, drop its proof, allow a new check.</summary>
    public void Forget()
    {
        Stop();
        lock (_gate)
        {
            _proof?.Dispose();
            _proof = null;
        }
        Started = false;
    }

    /// <summary>
    /// Stops a running check and waits for its git to be killed and reaped. A refresh killed
    /// mid-write leaves <c>index.lock</c> in the spare's metadata: the spare is then either
    /// discarded, or the sync failed (a deadline) and the next one's full check removes stale
    /// locks (<see cref="RootRepository"/>), as after any killed git.
    /// </summary>
    private void Stop()
    {
        if (_cancel is null)
        {
            return;
        }
        _cancel.Cancel();
        // RunAsync catches everything.
        _running.GetAwaiter().GetResult();
        _cancel.Dispose();
        _cancel = null;
    }
}
