using GitSync.Git;

namespace GitSync.Sync;

/// <summary>
/// The entries of one commit (<c>git ls-tree -r -t</c>: files, symlinks, directories and
/// submodules), for the copy's whole-tree walks: only these are the commit's. Whatever else a
/// worktree holds was put there by a hook after the checkout (the pre-publish gate runs in the
/// tree before it is copied), and the copy must equal the commit.
/// </summary>
internal sealed class CommitEntries
{
    private readonly HashSet<string> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _submodules = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether <paramref name="rel"/> ('/'-separated) is one of the commit's entries, or inside one
    /// of its submodules (their files are theirs, listed by no tree of this commit).
    /// </summary>
    public bool Includes(string rel)
    {
        if (_entries.Contains(rel))
        {
            return true;
        }
        for (var slash = rel.LastIndexOf('/'); slash > 0 && _submodules.Count > 0; slash = rel.LastIndexOf('/', slash - 1))
        {
            if (_submodules.Contains(rel[..slash]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The entries of <paramref name="hash"/>; null when they can't be listed or a name is not UTF-8 (then nothing is filtered).</summary>
    public static async Task<CommitEntries?> ReadAsync(GitCli git, string root, string hash, CancellationToken ct)
    {
        var listing = await git.RunAsync(root, ["ls-tree", "-r", "-t", "-z", "--full-tree", hash], ct, check: false).ConfigureAwait(false);
        if (listing.ExitCode != 0)
        {
            return null;
        }
        var entries = new CommitEntries();
        // "<mode> <type> <object>\t<path>", NUL-terminated.
        foreach (var record in listing.Stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = record.IndexOf('\t', StringComparison.Ordinal);
            if (tab < 0 || record.Contains('\uFFFD', StringComparison.Ordinal))
            {
                return null;
            }
            var path = record[(tab + 1)..];
            entries._entries.Add(path);
            if (record.Split(' ', 3) is [_, "commit", _])
            {
                entries._submodules.Add(path);
            }
        }
        return entries;
    }
}
