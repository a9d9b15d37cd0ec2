using System.Diagnostics;
using GitSync.Git;
using GitSync.Logging;
using GitSync.Platform;

namespace GitSync.Sync;

/// <summary>
/// <c>--publish=copy</c>: <c>--link</c> is a plain directory holding the files of the synced
/// revision (no symlink on the way, no <c>.git</c>; the repository and its worktrees stay under
/// <c>--root</c>). Each publish updates it from the revision it holds to the new one by the
/// change set between the two commits (<c>git diff --name-only</c>), so the cost follows the
/// size of the change, not of the tree. Not atomic across files: each file is whole at every
/// instant, and the journal (<see cref="CopyJournal"/>) plus the withdrawn marker make sure
/// nobody is told a revision is there before every file of it is.
/// </summary>
internal sealed class CopyPublisher(string link, string root, GitCli git, Log log, Marker? marker, Worktrees worktrees) : IPublisher
{
    private readonly PublishedDirectory _directory = new(link);
    private readonly string _journal = CopyJournal.PathFor(link);

    private string WorktreeDirectory => Path.Combine(root, ".worktrees");

    /// <summary>
    /// Names beside the link a switch between modes builds under (<c>.&lt;link&gt;.git-sync-switch-&lt;random&gt;</c>);
    /// anything left with this prefix is a killed switch's.
    /// </summary>
    public static string SwitchPrefix(string link) => "." + Path.GetFileName(link) + ".git-sync-switch-";

    public string? Target()
    {
        if (FileStatus.Of(link).Kind != EntryKind.Directory)
        {
            return null;
        }
        var journal = CopyJournal.Read(_journal);
        return journal is { Published: true } ? Path.Combine(WorktreeDirectory, journal.Base!) : null;
    }

    public async Task PublishAsync(string worktree, CancellationToken ct)
    {
        var hash = Path.GetFileName(worktree);
        RemoveTemp();
        var here = FileStatus.Of(link).Kind;
        var journal = CopyJournal.Read(_journal);
        switch (here)
        {
            case EntryKind.Symlink:
                SwitchFromLink(worktree, hash, await CommitEntries.ReadAsync(git, root, hash, ct).ConfigureAwait(false), ct);
                return;
            case EntryKind.File or EntryKind.Other:
                throw new IOException($"can't publish a copy at {link}: it is a file, not a directory");
            case EntryKind.Directory when journal is null && !_directory.IsEmpty():
                throw new IOException($"can't publish a copy at {link}: it is a non-empty directory git-sync did not publish; empty it or choose another --link");
        }

        // Timed from here: the change set (one git diff) and the update, what copy mode adds to a sync.
        var started = Stopwatch.GetTimestamp();
        var paths = here == EntryKind.Missing || journal is null ? null : await ChangedPathsAsync(journal, hash, ct).ConfigureAwait(false);
        var next = paths is null || journal is null
            ? CopyJournal.Unknown(hash)
            : new CopyJournal(journal.Base, [.. journal.Targets.Where(t => t != hash), hash]);
        // Withdrawn first: from here until the journal says published, no one revision is whole
        // in the directory, and the marker must not say otherwise.
        marker?.Withdraw();
        next.Write(_journal);
        // A walk copies the commit's entries only: the gate may have left files in the worktree.
        var counts = paths is null
            ? _directory.Mirror(worktree, await CommitEntries.ReadAsync(git, root, hash, ct).ConfigureAwait(false), ct)
            : _directory.Update(worktree, paths, ct);
        CopyJournal.PublishedAt(hash).Write(_journal);
        log.Info(1, "copy updated", ("path", link), ("hash", hash), ("from", journal?.Base ?? ""), ("walk", paths is null),
            ("paths", paths?.Count ?? counts.Checked), ("written", counts.Written), ("removed", counts.Removed),
            ("ms", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds));
    }

    /// <summary>
    /// Every path that may differ between the directory and <paramref name="hash"/>: the union of
    /// the change sets from the base to each target an update was started towards (a killed
    /// update left each of those paths at one of the revisions), and to the new one. Null when a
    /// change set can't be had (base unknown, commits gone with a rebuilt repository, too many
    /// interrupted updates, the same revision again): then the whole tree is walked.
    /// </summary>
    private async Task<HashSet<string>?> ChangedPathsAsync(CopyJournal journal, string hash, CancellationToken ct)
    {
        if (journal.Base is null || (journal.Published && journal.Base == hash))
        {
            return null;
        }
        var targets = journal.Targets.Append(hash).Where(t => t != journal.Base).Distinct(StringComparer.Ordinal).ToList();
        if (targets.Count > CopyJournal.MaxTargets)
        {
            return null;
        }
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var target in targets)
        {
            // Names only, renames as delete + add, every submodule change listed (whatever
            // diff.* settings the user's git config carries); -z: names exactly as stored.
            var diff = await git.RunAsync(root, ["diff", "--no-ext-diff", "--no-textconv", "--no-relative", "--ignore-submodules=none",
                "--name-only", "--no-renames", "-z", journal.Base, target, "--"], ct, check: false).ConfigureAwait(false);
            if (diff.ExitCode != 0)
            {
                log.Info(1, "no change set for the copy, walking the whole tree", ("from", journal.Base), ("to", target), ("stderr", diff.Stderr.Trim()));
                return null;
            }
            foreach (var name in diff.Stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries))
            {
                if (name.Contains('\uFFFD', StringComparison.Ordinal))
                {
                    // A name that is not UTF-8 can't be matched on disk from here: walk instead.
                    return null;
                }
                paths.Add(name);
            }
        }
        return paths;
    }

    /// <summary>
    /// The link is a symlink (link mode ran here before): the copy is built complete beside it
    /// and exchanged with it in one renameat2(RENAME_EXCHANGE), so readers go from the old tree
    /// to the new copy at once. The old worktree's stale clock starts now.
    /// </summary>
    private void SwitchFromLink(string worktree, string hash, CommitEntries? only, CancellationToken ct)
    {
        var old = new Link(link).Target();
        var aside = Path.Combine(Path.GetDirectoryName(link)!, SwitchPrefix(link) + Filesystem.RandomSuffix());
        CopyJournal.Unknown(hash).Write(_journal);
        if (!Native.MakeDirectory(aside, 0x1FF))
        {
            throw new IOException($"can't create {aside}: something is already there");
        }
        new PublishedDirectory(aside).Mirror(worktree, only, ct);
        Native.Exchange(aside, link);
        CopyJournal.PublishedAt(hash).Write(_journal);
        Filesystem.RemoveAll(aside);
        if (old is not null)
        {
            worktrees.MarkUnpublished(old);
        }
        log.Info(0, "switched the link to a copy", ("path", link), ("hash", hash));
    }

    public void RemoveTemp() => RemoveSwitchLeftovers(link);

    /// <summary>Removes what a killed switch between modes left beside <paramref name="link"/>.</summary>
    public static void RemoveSwitchLeftovers(string link)
    {
        var dir = Path.GetDirectoryName(link)!;
        if (!Directory.Exists(dir))
        {
            return;
        }
        var prefix = SwitchPrefix(link);
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir, prefix + "*"))
        {
            if (Path.GetFileName(entry).StartsWith(prefix, StringComparison.Ordinal))
            {
                Filesystem.RemoveAll(entry);
            }
        }
    }
}
