using GitSync.Platform;

namespace GitSync.Sync;

/// <summary>
/// The published symlink: the only thing consumers rely on. Its target is relative to the
/// link's directory (the volume may be mounted elsewhere) and its basename is the commit hash.
/// Publishing creates a temporary symlink beside it and renames it over the link, so readers
/// see the old tree or the new one, never a missing link.
/// </summary>
internal sealed class Link(string path)
{
    public string Path { get; } = path;

    private string Directory => System.IO.Path.GetDirectoryName(Path)!;

    private string TempPath => System.IO.Path.Combine(Directory, "." + System.IO.Path.GetFileName(Path) + ".tmp-link");

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
        var temp = TempPath;
        // A temporary link left by a crash would make the symlink call fail: clear it first.
        RemoveTemp();
        File.CreateSymbolicLink(temp, relative);
        Native.Rename(temp, Path);
    }

    public void RemoveTemp()
    {
        var temp = TempPath;
        var info = new FileInfo(temp);
        if (info.LinkTarget is not null || info.Exists)
        {
            info.Delete();
        }
        else if (System.IO.Directory.Exists(temp))
        {
            System.IO.Directory.Delete(temp, recursive: true);
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
