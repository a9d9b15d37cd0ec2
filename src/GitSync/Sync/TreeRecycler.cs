using GitSync.Git;
using GitSync.Logging;
using GitSync.Platform;

namespace GitSync.Sync;

/// <summary>
/// Keeps one retired tree as a <em>spare</em> and hands it to the next build, so that a new
/// revision costs what changed rather than a checkout of every file; and moves every tree that
/// is not kept out of the way in O(1) (a rename into a trash directory), deleting it in the
/// background.
/// <para>
/// Where things live (all inside the root repo's <c>.git</c>, out of consumers' sight and on
/// the same file system as <c>.worktrees</c>, so every move is one <c>rename(2)</c>):
/// <c>.git/git-sync-spare</c> (the spare tree), <c>.git/worktrees/git-sync-spare</c> (its git
/// metadata), <c>.git/git-sync-trash/&lt;random&gt;</c> (trees being deleted).
/// </para>
/// <para>
/// Completion marker: <c>git-sync-complete</c> in a tree's git metadata directory holds the
/// hash the tree was verified complete at. It is written (atomically) only after a build was
/// verified, and deleted before anything changes the tree's files; renames carry it along with
/// the metadata. So a tree with a marker equal to its HEAD is complete, whatever instant a
/// SIGKILL hit: a half-recycled tree has none and is never reused or published as is.
/// </para>
/// <para>
/// Proof: once a tree has become the spare, <see cref="ProveSpareInBackground"/> checks it against
/// its commit off the critical path and keeps a <see cref="SpareProof"/> watching it; the next take
/// then reports whether the spare is still exactly its commit, so that only the changed files
/// need writing. Whatever changes the spare (keep, discard, take) drops the proof.
/// </para>
/// </summary>
internal sealed class TreeRecycler(SyncOptions options, Log log)
{
    private const string SpareName = "git-sync-spare";
    private const string MarkerName = "git-sync-complete";

    private readonly object _gate = new();
    private readonly SpareChecker _checker = new(log);
    private Task _emptying = Task.CompletedTask;

    private string GitDir => Path.Combine(options.Root, ".git");

    private string MetadataRoot => Path.Combine(GitDir, "worktrees");

    public string SparePath => Path.Combine(GitDir, SpareName);

    private string SpareMetadata => Path.Combine(MetadataRoot, SpareName);

    private string TrashPath => Path.Combine(GitDir, "git-sync-trash");

    /// <summary>Records that the tree whose git metadata is <paramref name="metadata"/> is complete at <paramref name="hash"/>.</summary>
    public static void MarkComplete(string metadata, string hash)
        => Filesystem.WriteAtomic(Path.Combine(metadata, MarkerName), System.Text.Encoding.ASCII.GetBytes(hash + "\n"));

    /// <summary>The marker and HEAD in <paramref name="metadata"/> both name <paramref name="hash"/>.</summary>
    private static bool IsMarkedComplete(string metadata, string hash)
    {
        try
        {
            var marker = Path.Combine(metadata, MarkerName);
            var head = Path.Combine(metadata, "HEAD");
            return File.Exists(marker) && File.Exists(head)
                && SmallFile.ReadText(marker).Trim() == hash
                && SmallFile.ReadText(head).Trim() == hash;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Why the spare cannot be recycled for the next build, or null when it can. Cheap: reads a
    /// few small files, starts no process.
    /// </summary>
    /// <param name="hash">The commit to build, or null to judge the spare alone.</param>
    private string? SpareProblem(string? hash, out string spareHash)
    {
        spareHash = "";
        if (!options.RecycleWorktrees)
        {
            return "recycling is off";
        }
        // A consumer may have written a file at a path the patterns leave out: the index keeps
        // such paths "skip-worktree", so neither reset nor clean would remove it.
        if (options.SparseCheckoutFile is not null)
        {
            return "sparse checkout";
        }
        if (!Directory.Exists(SparePath) || !Directory.Exists(SpareMetadata))
        {
            return "no spare tree";
        }
        try
        {
            spareHash = SmallFile.ReadText(Path.Combine(SpareMetadata, "HEAD")).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "spare has no HEAD";
        }
        if (!GitRef.IsFullHash(spareHash) || !IsMarkedComplete(SpareMetadata, spareHash))
        {
            return "spare is not marked complete";
        }
        // Initialised submodules keep their own repos and files: reset and clean in the
        // superproject neither reset nor remove them.
        if (Directory.Exists(Path.Combine(SpareMetadata, "modules")))
        {
            return "spare has submodules";
        }
        if (File.Exists(Path.Combine(SpareMetadata, "info", "sparse-checkout")) || File.Exists(Path.Combine(SpareMetadata, "config.worktree")))
        {
            return "spare was a sparse checkout";
        }
        var dotGit = new FileInfo(Path.Combine(SparePath, ".git"));
        if (!dotGit.Exists || dotGit.LinkTarget is not null)
        {
            return "spare has no .git file";
        }
        // git names a worktree's metadata after the tree: one for this hash must not exist.
        if (hash is not null && Filesystem.Exists(Path.Combine(MetadataRoot, hash)))
        {
            return "metadata for the hash exists";
        }
        return null;
    }

    /// <summary>
    /// Moves the spare to <paramref name="build"/> (which must be free) and makes its git
    /// metadata follow, so that a <c>reset --hard</c> there brings it to the new commit. Null
    /// (and <paramref name="build"/> still free) when there is no usable spare; the reason is
    /// logged at -v 2. Otherwise says which commit the tree holds and whether it is proven to
    /// hold exactly that (then a two-way update from that commit is enough); a check of the spare
    /// still running is let finish first, unless <paramref name="ct"/> ends.
    /// </summary>
    public async Task<TakenSpare?> TryTakeSpareAsync(string build, string hash, CancellationToken ct)
    {
        var problem = SpareProblem(hash, out var spareHash);
        // Read before anything moves: the proof watches the spare where it is.
        var proven = problem is null && await _checker.HoldsAsync(spareHash, ct).ConfigureAwait(false);
        _checker.Forget();
        if (problem is not null)
        {
            if (log.Enabled(2))
            {
                log.Info(2, "building a fresh worktree", ("hash", hash), ("reason", problem));
            }
            // A spare that will never fit is only disk: let it go.
            if (problem is not ("no spare tree" or "recycling is off" or "metadata for the hash exists"))
            {
                DiscardSpare();
            }
            return null;
        }
        var metadata = Path.Combine(MetadataRoot, hash);
        try
        {
            // From here on the spare's files change: first forget that it was complete.
            File.Delete(Path.Combine(SpareMetadata, MarkerName));
            Native.Rename(SparePath, build);
            Native.Rename(SpareMetadata, metadata);
            Link(build, metadata);
            // Fresh metadata has no reflog or ORIG_HEAD; these would otherwise grow per recycle.
            Filesystem.RemoveAll(Path.Combine(metadata, "logs"));
            Filesystem.RemoveAll(Path.Combine(metadata, "ORIG_HEAD"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error(e.Message, "can't recycle the spare worktree, building a fresh one");
            Discard(build);
            Discard(metadata);
            DiscardSpare();
            return null;
        }
        if (log.Enabled(2))
        {
            log.Info(2, "recycling the spare worktree", ("hash", hash), ("path", build), ("from", spareHash), ("update", proven ? "changes only" : "full"));
        }
        return new TakenSpare(spareHash, proven);
    }

    /// <summary>
    /// Once per spare, starts checking it against its commit in the background and then watching
    /// it (see <see cref="SpareProof"/>); does nothing when already started or when there is no
    /// spare. Meant for the end of the clean-up after a publish, after anything there that writes
    /// to git metadata. Returns the check's task (it never throws).
    /// </summary>
    public Task ProveSpareInBackground(GitCli git, CancellationToken stopping)
    {
        if (_checker.Started || SpareProblem(null, out var spareHash) is not null)
        {
            return Task.CompletedTask;
        }
        return _checker.Start(git, SparePath, SpareMetadata, spareHash, () => IsMarkedComplete(SpareMetadata, spareHash), stopping);
    }

    /// <summary>
    /// Points a tree and its metadata at each other: git's absolute back-pointer in the
    /// metadata, and the tree's <c>.git</c> file with a relative gitdir (volume remounts).
    /// </summary>
    private static void Link(string tree, string metadata)
    {
        Filesystem.WriteAtomic(Path.Combine(metadata, "gitdir"), System.Text.Encoding.UTF8.GetBytes(Path.Combine(tree, ".git") + "\n"));
        // WriteAtomic renames over the name: a symlink planted at .git is replaced, never followed.
        Filesystem.WriteAtomic(Path.Combine(tree, ".git"), System.Text.Encoding.UTF8.GetBytes("gitdir: " + Path.GetRelativePath(tree, metadata) + "\n"));
    }

    /// <summary>
    /// Retires trees that are no longer served and whose stale timeout has passed: the newest
    /// complete one becomes the spare (replacing any older spare), every other one is discarded.
    /// </summary>
    /// <param name="trees">Paths under <c>.worktrees</c> (or v3 trees in the root).</param>
    public void Retire(IReadOnlyList<string> trees, Func<string, DateTime> modified)
    {
        string? keep = null;
        if (options.RecycleWorktrees && options.SparseCheckoutFile is null)
        {
            keep = trees.Where(IsCompleteTree).OrderByDescending(modified).FirstOrDefault();
        }
        foreach (var tree in trees)
        {
            if (tree == keep && TryKeepAsSpare(tree))
            {
                continue;
            }
            log.Info(1, "removing stale worktree", ("path", tree));
            Discard(tree);
        }
    }

    /// <summary>A tree under <c>.worktrees</c> named after a hash, with its own metadata marked complete at that hash.</summary>
    private bool IsCompleteTree(string tree)
    {
        var hash = Path.GetFileName(tree);
        if (Path.GetDirectoryName(tree) != Path.Combine(options.Root, ".worktrees") || !GitRef.IsFullHash(hash))
        {
            return false;
        }
        var metadata = MetadataOf(tree);
        return metadata is not null
            && Path.GetDirectoryName(metadata) == MetadataRoot
            && Path.GetFileName(metadata) != SpareName
            && IsMarkedComplete(metadata, hash);
    }

    private bool TryKeepAsSpare(string tree)
    {
        var metadata = MetadataOf(tree)!;
        try
        {
            // Order matters for a crash: the old spare's metadata goes before its tree, and the
            // new tree moves before its metadata, so a spare's metadata never sits beside
            // another tree (a tree without metadata is unusable and gets discarded).
            DiscardSpare();
            Native.Rename(tree, SparePath);
            Native.Rename(metadata, SpareMetadata);
            Link(SparePath, SpareMetadata);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error(e.Message, "can't keep the old worktree as a spare");
            DiscardSpare();
            return false;
        }
        if (log.Enabled(2))
        {
            log.Info(2, "keeping the old worktree as a spare", ("path", tree));
        }
        return true;
    }

    private static string? MetadataOf(string tree)
    {
        try
        {
            var dotGit = new FileInfo(Path.Combine(tree, ".git"));
            if (!dotGit.Exists || dotGit.LinkTarget is not null)
            {
                return null;
            }
            var text = SmallFile.ReadText(dotGit.FullName).Trim();
            const string prefix = "gitdir:";
            return text.StartsWith(prefix, StringComparison.Ordinal) ? Path.GetFullPath(text[prefix.Length..].Trim(), tree) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Stops the spare's background check and drops its proof (the next clean-up checks again):
    /// for a full check of the root, which assumes no git of ours runs and removes stale locks.
    /// </summary>
    public void StopSpareCheck() => _checker.Forget();

    private void DiscardSpare()
    {
        _checker.Forget();
        Discard(SpareMetadata);
        Discard(SparePath);
    }

    /// <summary>
    /// Takes <paramref name="path"/> out of the way at once (a rename into the trash) and
    /// deletes it in the background, so no sync waits for a tree's files to be deleted.
    /// Falls back to deleting in place when it can't be moved (another file system).
    /// </summary>
    public void Discard(string path)
    {
        if (!Filesystem.Exists(path))
        {
            return;
        }
        try
        {
            Directory.CreateDirectory(TrashPath);
            Native.Rename(path, Path.Combine(TrashPath, Filesystem.RandomSuffix()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Filesystem.RemoveAll(path);
            return;
        }
        EmptyTrashLater();
    }

    /// <summary>Deletes whatever is in the trash (also a killed process's leftovers) on a background thread.</summary>
    public void EmptyTrashLater()
    {
        lock (_gate)
        {
            _emptying = _emptying.ContinueWith(_ => EmptyTrash(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    /// <summary>Completes when everything discarded so far is deleted (before a <c>--one-time</c> exit).</summary>
    public Task DrainAsync()
    {
        lock (_gate)
        {
            return _emptying;
        }
    }

    private void EmptyTrash()
    {
        try
        {
            if (!Directory.Exists(TrashPath))
            {
                return;
            }
            foreach (var entry in Directory.EnumerateFileSystemEntries(TrashPath))
            {
                Filesystem.RemoveAll(entry);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The next discard (or start-up) tries again; the trash is never served.
            log.Error(e.Message, "can't delete an old worktree");
        }
    }
}

/// <summary>A spare taken for a build: the commit it held, and whether it was proven to hold exactly that.</summary>
internal sealed record TakenSpare(string Hash, bool ProvenClean);
