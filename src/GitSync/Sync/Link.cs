using GitSync.Platform;

namespace GitSync.Sync;

/// <summary>
/// The published symlink: the only thing consumers rely on. Its target is relative to the
/// link's directory (the volume may be mounted elsewhere) and its basename is the commit hash.
/// Publishing creates a temporary symlink beside it and renames it over the link, so readers
/// see the old tree or the new one, never a missing link.
/// </summary>
internal sealed class Link(string path) : IPublisher
{
    public string Path { get; } = path;

    private string Directory => System.IO.Path.GetDirectoryName(Path)!;

    /// <summary>
    /// Temporary links are named <c>.&lt;link&gt;.tmp-link-&lt;random&gt;</c>: nobody can plant
    /// something at the name in advance (the directory is shared with consumers), and the prefix
    /// lets the leftovers of a crash be found.
    /// </summary>
    private string TempPrefix => "." + System.IO.Path.GetFileName(Path) + ".tmp-link";

    /// <summary>The absolute path the link points at, or null when there is no link.</summary>
    public string? Target()
    {
        var target = new FileInfo(Path).LinkTarget;
        if (target is null)
        {
            return null;
        }
        var dir = RealDirectory();
        return System.IO.Path.GetFullPath(target, dir ?? Directory);
    }

    /// <summary>Points the link at <paramref name="worktree"/> atomically.</summary>
    public void Publish(string worktree)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var dir = RealDirectory() ?? Directory;
        var relative = System.IO.Path.GetRelativePath(dir, worktree);
        // Leftovers of a crash between "create" and "rename" go first, so they never pile up.
        RemoveTemp();
        var temp = System.IO.Path.Combine(Directory, TempPrefix + "-" + Filesystem.RandomSuffix());
        // symlink(2) fails when anything exists at the name; it never writes through one.
        File.CreateSymbolicLink(temp, relative);
        if (FileStatus.Of(Path).Kind == EntryKind.Directory)
        {
            SwitchFromCopy(temp);
            return;
        }
        try
        {
            // rename(2) replaces the link in one step: readers see the old target or the new.
            Native.Rename(temp, Path);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public Task PublishAsync(string worktree, CancellationToken ct)
    {
        Publish(worktree);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A directory at the link: copy mode (<c>--publish=copy</c>) published here before. The new
    /// link is exchanged with it in one renameat2(RENAME_EXCHANGE), so readers go from the copy
    /// to the tree at once; then the copy and its journal go. A directory that copy mode did not
    /// publish (no journal beside it) is somebody's data: refused.
    /// </summary>
    private void SwitchFromCopy(string temp)
    {
        var journal = CopyJournal.PathFor(Path);
        if (!File.Exists(journal))
        {
            File.Delete(temp);
            throw new IOException($"can't publish the link at {Path}: a directory git-sync did not publish is there; remove it, or use --publish=copy");
        }
        var aside = System.IO.Path.Combine(Directory, CopyPublisher.SwitchPrefix(Path) + Filesystem.RandomSuffix());
        Native.Rename(temp, aside);
        Native.Exchange(aside, Path);
        File.Delete(journal);
        Filesystem.RemoveAll(aside);
    }

    /// <summary>
    /// Removes temporary links a killed publish left beside the link: ours (any suffix, or
    /// none as older versions named them). Only symlinks are removed; anything else with
    /// that name is not ours.
    /// </summary>
    public void RemoveTemp()
    {
        CopyPublisher.RemoveSwitchLeftovers(Path);
        if (!System.IO.Directory.Exists(Directory))
        {
            return;
        }
        foreach (var entry in System.IO.Directory.EnumerateFileSystemEntries(Directory, TempPrefix + "*"))
        {
            var name = System.IO.Path.GetFileName(entry);
            if (name != TempPrefix && !name.StartsWith(TempPrefix + "-", StringComparison.Ordinal))
            {
                continue;
            }
            var info = new FileInfo(entry);
            if (info.LinkTarget is not null)
            {
                info.Delete();
            }
        }
    }

    private string? RealDirectory()
    {
        try
        {
            return Native.RealPath(Directory);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
