using GitSync.Git;
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
            return "tracked files were changed";
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
