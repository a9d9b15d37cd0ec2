using GitSync.Git;
using GitSync.Logging;
using GitSync.Platform;

namespace GitSync.Sync;

/// <summary>
/// The git repository inside <c>--root</c>: objects, refs and worktree metadata. Worktrees and
/// the link live beside it; rebuilding this repo never touches the tree being served.
/// </summary>
internal sealed class RootRepository(SyncOptions options, GitCli git, Log log)
{
    public string Path { get; } = options.Root;

    public string GitDir => System.IO.Path.Combine(Path, ".git");

    /// <summary>
    /// Full health check, run at start-up and after any failed sync: the repo exists, is its
    /// own top level, passes a connectivity check, has no stale lock files, and has origin set
    /// to --repo. Anything wrong is rebuilt in place (never removing the root directory, never
    /// touching the worktrees).
    /// </summary>
    public async Task EnsureHealthyAsync(CancellationToken ct)
    {
        Filesystem.CreateDirectory(Path, "the --root directory");
        if (!await IsHealthyAsync(ct).ConfigureAwait(false))
        {
            await RebuildAsync(ct).ConfigureAwait(false);
        }
        await EnsureOriginAsync(ct).ConfigureAwait(false);
    }

    private async Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        if (!System.IO.Directory.Exists(GitDir))
        {
            log.Info(0, "repo directory was empty or not a repo, initializing", ("path", Path));
            return false;
        }
        // Nothing of ours runs now, so any lock file is a leftover of a killed git.
        RemoveStaleLocks();

        // The root may sit inside another repo (a volume under a checkout): git would then
        // happily use the outer repo, so insist that the top level is the root itself.
        var top = await git.RunAsync(Path, ["rev-parse", "--show-toplevel"], ct, check: false).ConfigureAwait(false);
        if (top.ExitCode != 0 || top.Stdout.Trim() != Path)
        {
            log.Info(0, "repo directory is not a valid git repo top level, re-initializing", ("path", Path), ("toplevel", top.Stdout.Trim()));
            return false;
        }
        // Objects damaged by a crash or a full disk show up here, before a fetch trips on them.
        var fsck = await git.RunAsync(Path, ["fsck", "--connectivity-only", "--no-progress"], ct, check: false).ConfigureAwait(false);
        if (fsck.ExitCode != 0)
        {
            log.Info(0, "repo fails connectivity check, re-initializing", ("path", Path), ("stderr", fsck.Stderr.Trim()));
            return false;
        }
        return true;
    }

    private void RemoveStaleLocks()
    {
        foreach (var dir in LockDirectories())
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(dir, "*.lock"))
            {
                log.Info(1, "removing stale lock file", ("path", file));
                File.Delete(file);
            }
        }
    }

    private IEnumerable<string> LockDirectories()
    {
        yield return GitDir;
        var refs = System.IO.Path.Combine(GitDir, "refs");
        if (System.IO.Directory.Exists(refs))
        {
            foreach (var d in System.IO.Directory.EnumerateDirectories(refs, "*", SearchOption.AllDirectories))
            {
                yield return d;
            }
        }
        var worktrees = System.IO.Path.Combine(GitDir, "worktrees");
        if (System.IO.Directory.Exists(worktrees))
        {
            foreach (var d in System.IO.Directory.EnumerateDirectories(worktrees))
            {
                yield return d;
            }
        }
    }

    /// <summary>Replaces a broken repo with a fresh one. Worktrees keep their files; only their git metadata goes.</summary>
    private async Task RebuildAsync(CancellationToken ct)
    {
        if (System.IO.Directory.Exists(GitDir) || File.Exists(GitDir))
        {
            // Move it aside first, so a crash mid-delete cannot leave a half-deleted .git
            // that looks valid.
            var aside = System.IO.Path.Combine(Path, ".git.broken");
            Filesystem.RemoveAll(aside);
            Native.Rename(GitDir, aside);
            Filesystem.RemoveAll(aside);
        }
        Filesystem.RemoveAll(System.IO.Path.Combine(Path, ".git.broken"));
        await git.RunAsync(Path, ["init", "-q", "-b", "git-sync"], ct).ConfigureAwait(false);
    }

    /// <summary>origin is what relative submodule URLs resolve against.</summary>
    private async Task EnsureOriginAsync(CancellationToken ct)
    {
        var current = await git.RunAsync(Path, ["config", "--local", "--get", "remote.origin.url"], ct, check: false).ConfigureAwait(false);
        // "--": the URL is a user value, never an option.
        if (current.ExitCode != 0)
        {
            await git.RunAsync(Path, ["remote", "add", "--", "origin", options.Repo], ct).ConfigureAwait(false);
        }
        else if (current.Stdout.TrimEnd('\n') != options.Repo)
        {
            await git.RunAsync(Path, ["remote", "set-url", "--", "origin", options.Repo], ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The cheapest correct "did it move?" probe: ask the server what the ref points at,
    /// without fetching. Returns null when the answer is not conclusive (no match, several
    /// candidates of equal rank), in which case the caller fetches.
    /// </summary>
    public async Task<string?> ProbeRemoteAsync(CancellationToken ct)
    {
        // ls-remote lists the peeled "<tag>^{}" line of an annotated tag only when asked for it
        // by name: without it the probe sees the tag object, never the served commit, and an
        // unchanged poll of --ref=<annotated tag> would fetch every time.
        string[] args = options.Ref.CanNameTag
            ? ["ls-remote", "--", options.Repo, options.Ref.Text, options.Ref.Text + "^{}"]
            : ["ls-remote", "--", options.Repo, options.Ref.Text];
        var result = await git.RunAsync(Path, args, ct, check: false).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            return null;
        }
        return RemoteRefs.Resolve(options.Ref, result.Stdout);
    }

    /// <summary>
    /// Fetches the ref (<paramref name="wanted"/>, else --ref) by name and returns the commit it resolves to. Fetching by name (rather
    /// than asking for a hash first) closes the race between "what is it" and "get it".
    /// </summary>
    public async Task<string> FetchAsync(CancellationToken ct, GitRef? wanted = null)
    {
        var gitRef = wanted ?? options.Ref;
        if (gitRef.IsHash && await HasCommitAsync(gitRef.Text, ct).ConfigureAwait(false))
        {
            // A known commit needs no network round trip; a hash never moves.
            return gitRef.Text;
        }
        // With --filter the fetch goes through the origin remote (whose URL EnsureOriginAsync
        // keeps equal to --repo) instead of the URL: git records a partial clone against the
        // remote it fetched from (remote.<name>.promisor, .partialclonefilter), and that remote
        // is where later checkouts lazily fetch the blobs the filter left out. By URL, git would
        // register a remote named after the URL, which goes stale when --repo changes.
        var remote = options.Filter is null ? options.Repo : "origin";
        var args = new List<string> { "fetch", "--verbose", "--no-progress", "--prune", "--no-auto-gc" };
        if (options.Depth > 0)
        {
            args.Add("--depth");
            args.Add(options.Depth.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else if (File.Exists(System.IO.Path.Combine(GitDir, "shallow")))
        {
            args.Add("--unshallow");
        }
        if (options.Filter is not null)
        {
            // One argument: the spec can never be read as an option of its own.
            args.Add("--filter=" + options.Filter);
            // A fetch through a named remote would also update refs/remotes/origin/* and follow
            // tags, refs that keep old commits alive through gc. An empty refmap and --no-tags
            // leave only FETCH_HEAD, exactly as a fetch by URL does.
            args.Add("--refmap=");
            args.Add("--no-tags");
        }
        // Options first, then "--": the repository and the ref are user values, and without the
        // separator a ref such as "--upload-pack=<command>" would be read as an option.
        args.Add("--");
        args.Add(remote);
        args.Add(gitRef.Text);
        string? hint = null;
        if (gitRef.LooksLikeAbbreviatedHash)
        {
            hint = "abbreviated commit hashes are not supported as --ref; give the full 40-character hash";
        }
        try
        {
            await git.RunAsync(Path, args, ct, hint: hint).ConfigureAwait(false);
        }
        catch (GitException e) when (FailureClassifier.FromStderr(e.Stderr) == FailureClass.RefNotFound)
        {
            throw await WithClosestRefsAsync(e, ct).ConfigureAwait(false);
        }
        // Usually a loose commit, read in-process; otherwise ^{} peels an annotated tag to the
        // commit it names.
        var hash = FetchHead.LooseCommit(GitDir)
            ?? (await git.RunAsync(Path, ["rev-parse", "FETCH_HEAD^{}"], ct).ConfigureAwait(false)).Stdout.Trim();
        // The hash is later a positional argument of reset, worktree add and verify-commit, and
        // names a directory: only ever a full hex hash.
        if (!GitRef.IsFullHash(hash))
        {
            throw new InvalidOperationException($"git rev-parse FETCH_HEAD^{{}} printed \"{hash}\", not a commit hash");
        }
        return hash;
    }

    /// <summary>The same failure, with the branch and tag names the remote has that are nearest to --ref.</summary>
    private async Task<GitException> WithClosestRefsAsync(GitException e, CancellationToken ct)
    {
        var listed = await git.RunAsync(Path, ["ls-remote", "--heads", "--tags", "--", options.Repo], ct, check: false).ConfigureAwait(false);
        if (listed.ExitCode != 0)
        {
            return e;
        }
        var closest = ClosestRefs.Find(options.Ref.Text, listed.Stdout);
        return closest.Count == 0 ? e : new GitException(e.Command, e.ExitCode, e.Stderr, e.Hint) { ClosestRefs = closest };
    }

    private async Task<bool> HasCommitAsync(string hash, CancellationToken ct)
    {
        // The hash is a validated full hex hash (GitRef.IsHash); --end-of-options all the same.
        var r = await git.RunAsync(Path, ["cat-file", "-e", "--end-of-options", hash + "^{commit}"], ct, check: false).ConfigureAwait(false);
        return r.ExitCode == 0;
    }

    /// <summary>The pack files in the object store now (to tell whether a gc repacked).</summary>
    public IReadOnlySet<string> Packs()
    {
        var dir = System.IO.Path.Combine(GitDir, "objects", "pack");
        return System.IO.Directory.Exists(dir)
            ? System.IO.Directory.GetFiles(dir, "pack-*.pack").ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
    }

    /// <summary>
    /// In a partial clone (--filter) every fetched object lands in a promisor pack, and git
    /// 2.39's repack copies every object of the promisor packs into the new one whether anything
    /// reaches it or not: gc never frees an old revision and the root grows with every update.
    /// This packs only what is reachable into one promisor pack and deletes the packs it
    /// replaces. Does nothing in a repo without promisor packs.
    /// </summary>
    public async Task DropUnreachablePromisorObjectsAsync(CancellationToken ct)
    {
        var dir = System.IO.Path.Combine(GitDir, "objects", "pack");
        if (!System.IO.Directory.Exists(dir) || !System.IO.Directory.EnumerateFiles(dir, "*.promisor").Any())
        {
            return;
        }
        var old = Packs();
        // Everything reachable from refs, reflogs and every worktree's HEAD and index, as gc
        // counts it. Objects the filter left out may be missing (allow-promisor also keeps
        // pack-objects from fetching them); any other missing object fails this, and nothing
        // is deleted.
        var packed = await git.RunAsync(Path,
            ["pack-objects", "--all", "--reflog", "--indexed-objects", "--missing=allow-promisor",
             "--delta-base-offset", "--non-empty", "--quiet", System.IO.Path.Combine(dir, "pack")], ct).ConfigureAwait(false);
        var name = packed.Stdout.Trim();
        if (name.Length == 0)
        {
            return;
        }
        var kept = System.IO.Path.Combine(dir, "pack-" + name);
        // Marked like the packs it replaces, so the blobs its trees name but the filter left
        // out stay "promised" (fetched on demand) rather than corrupt.
        File.WriteAllText(kept + ".promisor", "");
        foreach (var pack in old)
        {
            var stem = pack[..^".pack".Length];
            if (stem == kept || File.Exists(stem + ".keep"))
            {
                continue;
            }
            // The index first: git ignores a pack without an index, but fails on an index without its pack.
            foreach (var ext in (string[])[".idx", ".rev", ".bitmap", ".mtimes", ".promisor", ".pack"])
            {
                File.Delete(stem + ext);
            }
        }
        // A multi-pack index would still name the deleted packs; without one git reads each pack's own index.
        File.Delete(System.IO.Path.Combine(dir, "multi-pack-index"));
        // .git/shallow still lists the old revisions' boundary commits, now deleted. Left there,
        // the next gc would fetch each of them back from the promisor (with its history);
        // prune drops shallow entries whose commits are gone.
        await git.RunAsync(Path, ["prune", "--exclude-promisor-objects"], ct).ConfigureAwait(false);
        log.Info(1, "dropped unreachable objects of the partial clone", ("pack", name));
    }

    /// <summary>Points the root's own branch at the commit, so it stays reachable for gc.</summary>
    public Task ResetSoftAsync(string hash, CancellationToken ct)
        => git.RunAsync(Path, ["reset", "--soft", hash, "--"], ct);
}
