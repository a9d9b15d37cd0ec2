using GitSync.Git;
using GitSync.Logging;
using GitSync.Platform;

namespace GitSync.Sync;

/// <summary>
/// The checked-out trees under <c>&lt;root&gt;/.worktrees/&lt;hash&gt;</c>: building a complete
/// one for a commit, checking one cheaply, and removing stale ones. A tree's stale clock is its
/// directory's mtime, set and compared with <paramref name="clock"/>.
/// </summary>
internal sealed class Worktrees(SyncOptions options, GitCli git, Log log, TimeProvider clock)
{
    private const string RepairSuffix = ".repair";

    /// <summary>The spare tree a build recycles, and the trash that removes trees off the critical path.</summary>
    public TreeRecycler Recycler { get; } = new(options, log);

    private bool _trashChecked;

    public string Directory { get; } = System.IO.Path.Combine(options.Root, ".worktrees");

    public string PathFor(string hash) => System.IO.Path.Combine(Directory, hash);

    /// <summary>
    /// A check that starts no process: the tree exists and its HEAD (read from the worktree's
    /// git metadata) is the hash it is named after. Catches a deleted tree, a commit made
    /// inside it, and metadata lost with a rebuilt root repo.
    /// </summary>
    public bool IsSound(string path, string hash)
    {
        try
        {
            var dotGit = System.IO.Path.Combine(path, ".git");
            if (!File.Exists(dotGit))
            {
                return false;
            }
            var gitDir = ReadGitDir(path);
            if (gitDir is null)
            {
                return false;
            }
            var head = Platform.SmallFile.ReadText(System.IO.Path.Combine(gitDir, "HEAD")).Trim();
            return head == hash;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The absolute git metadata directory a worktree's <c>.git</c> file names.</summary>
    private static string? ReadGitDir(string worktree)
    {
        var text = Platform.SmallFile.ReadText(System.IO.Path.Combine(worktree, ".git")).Trim();
        const string prefix = "gitdir:";
        if (!text.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }
        return System.IO.Path.GetFullPath(text[prefix.Length..].Trim(), worktree);
    }

    /// <summary>
    /// Produces a complete worktree for <paramref name="hash"/> at <see cref="PathFor"/>. When
    /// that path is the one being served (a same-hash repair), the new tree is built beside it
    /// and the two are swapped atomically, so readers never see a missing or partial tree.
    /// </summary>
    public async Task<string> BuildAsync(string hash, bool replacingServedTree, CancellationToken ct)
    {
        var final = PathFor(hash);
        var build = replacingServedTree ? final + RepairSuffix : final;
        System.IO.Directory.CreateDirectory(Directory);

        // Whatever is at the build path is not served: a half-made or half-recycled tree from
        // a crash, a stale tree, or something foreign. Moved aside at once, deleted later.
        Recycler.Discard(build);

        // The cheap way: the previous tree, moved here and brought to the new commit in place.
        // A same-hash repair always starts fresh: what is broken may be what the spare shares.
        if (!replacingServedTree && await Recycler.TryTakeSpareAsync(build, hash, ct).ConfigureAwait(false) is { } spare)
        {
            try
            {
                await UpdateInPlaceAsync(build, spare, hash, ct).ConfigureAwait(false);
                return Finish(build, final, hash, replacingServedTree);
            }
            catch (GitException e)
            {
                log.Error(e.Message, "recycling the spare worktree failed, building a fresh one", ("hash", hash));
                Recycler.Discard(build);
            }
        }

        // Metadata of trees removed by hand (or by a discard above) would block "worktree add".
        await git.RunAsync(options.Root, ["worktree", "prune"], ct).ConfigureAwait(false);
        // --no-checkout: files come from "reset --hard" below, after the sparse and gitdir
        // set-up, so a checkout is never done twice.
        await git.RunAsync(options.Root, ["worktree", "add", "--force", "--detach", "--no-checkout", "--", build, hash], ct).ConfigureAwait(false);
        MakeGitDirRelative(build);
        await ConfigureSparseCheckoutAsync(build, ct).ConfigureAwait(false);
        // Populates the tree and the index at exactly this commit.
        await git.RunAsync(build, ["reset", "--hard", hash, "--"], ct).ConfigureAwait(false);
        await UpdateSubmodulesAsync(build, ct).ConfigureAwait(false);
        return Finish(build, final, hash, replacingServedTree);
    }

    /// <summary>
    /// Brings a recycled tree (complete at some older commit, possibly written into by hooks and
    /// consumers since) to exactly what a fresh checkout of <paramref name="hash"/> holds.
    /// </summary>
    private async Task UpdateInPlaceAsync(string tree, TakenSpare spare, string hash, CancellationToken ct)
    {
        if (spare.ProvenClean)
        {
            try
            {
                // Proven to be exactly spare.Hash (index, files, nothing untracked) and unchanged
                // since: a two-way merge writes only the paths that differ between the two
                // commits, and the index's cache tree lets it skip unchanged directories.
                await git.RunAsync(tree, ["read-tree", "-m", "-u", "--", spare.Hash, hash], ct).ConfigureAwait(false);
                // Detached HEAD, as "reset" would leave it (the metadata's reflog was dropped at the take).
                Filesystem.WriteAtomic(System.IO.Path.Combine(ReadGitDir(tree)!, "HEAD"), System.Text.Encoding.ASCII.GetBytes(hash + "\n"));
                await UpdateSubmodulesAsync(tree, ct).ConfigureAwait(false);
                return;
            }
            catch (GitException e)
            {
                log.Error(e.Message, "updating the recycled worktree by its changes failed, resetting it", ("hash", hash));
            }
        }
        // A one-way merge from the index to the commit: only entries whose blob or mode differ
        // are written, plus any file whose stat data no longer matches the index (something
        // wrote to it; ctime catches even a restored mtime) or that is missing. Moves HEAD.
        await git.RunAsync(tree, ["reset", "--hard", "--quiet", hash, "--"], ct).ConfigureAwait(false);
        // What the index does not track: files hooks or consumers added, ignored files
        // (-x), directories (-d) and nested repositories (the second -f).
        await git.RunAsync(tree, ["clean", "-ffdxq"], ct).ConfigureAwait(false);
        await UpdateSubmodulesAsync(tree, ct).ConfigureAwait(false);
    }

    /// <summary>Verifies the built tree, marks it complete (only then may it become a spare) and, for a repair, swaps it in.</summary>
    private string Finish(string build, string final, string hash, bool replacingServedTree)
    {
        if (!IsSound(build, hash))
        {
            throw new InvalidOperationException($"worktree {build} is not at {hash} after checkout");
        }
        TreeRecycler.MarkComplete(ReadGitDir(build)!, hash);
        if (replacingServedTree)
        {
            SwapIn(build, final);
        }
        log.Info(1, "worktree ready", ("path", final), ("hash", hash));
        return final;
    }

    /// <summary>Git writes an absolute gitdir; a relative one survives mounting the volume elsewhere.</summary>
    private static void MakeGitDirRelative(string worktree)
    {
        var gitDir = ReadGitDir(worktree) ?? throw new InvalidOperationException($"worktree {worktree} has no gitdir");
        var relative = System.IO.Path.GetRelativePath(worktree, gitDir);
        File.WriteAllText(System.IO.Path.Combine(worktree, ".git"), "gitdir: " + relative + "\n");
    }

    /// <summary>
    /// Atomically exchanges the freshly built tree with the served one, then makes git's
    /// bookkeeping follow and deletes the old tree.
    /// </summary>
    private void SwapIn(string built, string served)
    {
        var servedGitDir = SafeReadGitDir(served);
        Native.Exchange(built, served);
        // "served" now holds the new tree; its metadata must point back at its new path.
        var newGitDir = ReadGitDir(served)!;
        File.WriteAllText(System.IO.Path.Combine(newGitDir, "gitdir"), System.IO.Path.Combine(served, ".git") + "\n");
        if (servedGitDir is not null && servedGitDir != newGitDir && servedGitDir.StartsWith(System.IO.Path.Combine(options.Root, ".git", "worktrees"), StringComparison.Ordinal))
        {
            Filesystem.RemoveAll(servedGitDir);
        }
        Recycler.Discard(built);
    }

    private static string? SafeReadGitDir(string worktree)
    {
        try
        {
            return ReadGitDir(worktree);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private async Task ConfigureSparseCheckoutAsync(string worktree, CancellationToken ct)
    {
        if (options.SparseCheckoutFile is null)
        {
            return;
        }
        var gitDir = ReadGitDir(worktree)!;
        var info = System.IO.Path.Combine(gitDir, "info");
        System.IO.Directory.CreateDirectory(info);
        byte[] patterns;
        try
        {
            // Read at every new worktree, as upstream: a file mounted or changed later applies to the next revision.
            patterns = File.ReadAllBytes(options.SparseCheckoutFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SparseCheckoutFileException(IoErrors.Describe("read the sparse-checkout file (--sparse-checkout-file)", options.SparseCheckoutFile, e), e);
        }
        File.WriteAllBytes(System.IO.Path.Combine(info, "sparse-checkout"), patterns);
        // Worktree-scoped config keeps sparse settings off other worktrees.
        await git.RunAsync(options.Root, ["config", "extensions.worktreeConfig", "true"], ct).ConfigureAwait(false);
        await git.RunAsync(worktree, ["config", "--worktree", "core.sparseCheckout", "true"], ct).ConfigureAwait(false);
    }

    private async Task UpdateSubmodulesAsync(string worktree, CancellationToken ct)
    {
        // No .gitmodules in the tree, no submodules: skip two processes. A sparse checkout may
        // leave .gitmodules out while including a submodule's path (git then reads it from
        // HEAD), so there the commands always run.
        if (options.Submodules == SubmoduleMode.Off
            || (!File.Exists(System.IO.Path.Combine(worktree, ".gitmodules")) && options.SparseCheckoutFile is null))
        {
            return;
        }
        // Worktrees share the root's config, where "update --init" recorded each submodule's
        // URL the first time: without a sync, a URL changed upstream in .gitmodules (or a
        // relative URL after --repo moved) would still be fetched from the old place.
        await git.RunAsync(worktree, ["submodule", "sync", "--quiet"], ct).ConfigureAwait(false);
        var args = new List<string> { "submodule", "update", "--init" };
        if (options.Submodules == SubmoduleMode.Recursive)
        {
            args.Add("--recursive");
        }
        if (options.Depth > 0)
        {
            args.Add("--depth");
            args.Add(options.Depth.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        await git.RunAsync(worktree, args, ct).ConfigureAwait(false);
    }

    /// <summary>Starts an unpublished tree's stale clock (its mtime).</summary>
    public void MarkUnpublished(string path)
    {
        try
        {
            if (System.IO.Directory.Exists(path))
            {
                System.IO.Directory.SetLastWriteTimeUtc(path, clock.GetUtcNow().UtcDateTime);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Worst case it is removed earlier than the timeout asked for.
        }
    }

    /// <summary>
    /// Retires everything under <c>.worktrees</c> (and v3-layout trees in the root) that is not
    /// the served tree and whose stale clock has run out: one may become the spare, the rest
    /// go to the trash. Returns how many left <c>.worktrees</c>.
    /// </summary>
    public int RemoveStale(string? served)
    {
        if (!_trashChecked)
        {
            // A killed process may have left trees in the trash.
            _trashChecked = true;
            Recycler.EmptyTrashLater();
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var stale = new List<string>();
        foreach (var entry in Candidates())
        {
            if (served is not null && entry == served)
            {
                continue;
            }
            var age = now - Modified(entry);
            if (options.StaleWorktreeTimeout > TimeSpan.Zero && age < options.StaleWorktreeTimeout)
            {
                continue;
            }
            stale.Add(entry);
        }
        // The newest complete one becomes the spare; the others are moved to the trash.
        Recycler.Retire(stale, Modified);
        return stale.Count;
    }

    private IEnumerable<string> Candidates()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            foreach (var e in System.IO.Directory.EnumerateFileSystemEntries(Directory))
            {
                yield return e;
            }
        }
        // v3 layout: trees named <hash> or rev-<hash> directly under the root.
        foreach (var dir in System.IO.Directory.EnumerateDirectories(options.Root))
        {
            var name = System.IO.Path.GetFileName(dir);
            var bare = name.StartsWith("rev-", StringComparison.Ordinal) ? name[4..] : name;
            if (GitRef.IsFullHash(bare) && File.Exists(System.IO.Path.Combine(dir, ".git")))
            {
                yield return dir;
            }
        }
    }

    private static DateTime Modified(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is not null || info.Exists ? info.LastWriteTimeUtc : System.IO.Directory.GetLastWriteTimeUtc(path);
    }
}
