using GitSync.Platform;

namespace GitSync.Sync;

/// <summary>What one copy update did, for the log and the benchmark.</summary>
internal readonly record struct CopyCounts(int Written, int Removed, int Checked);

/// <summary>
/// The plain directory copy mode publishes (<c>--publish=copy</c>): real files, kept equal to a
/// source tree (a worktree) one path at a time. Every file or symlink is written to a temporary
/// name in its own directory and renamed into place, so a reader opening a path gets the old
/// entry or the new one, whole. Directories are created before what goes in them; removals
/// run after every write, deepest first. A name <c>.git</c> is never published, at any depth
/// (the worktree's and its submodules' git metadata stay in the worktree).
/// <para>
/// Nothing here follows a symlink on the way down: every path component is checked with
/// lstat, a symlink where a directory should be is replaced, and new names are created with
/// <c>O_CREAT|O_EXCL</c> (the directory is shared with consumers, who may plant things).
/// </para>
/// </summary>
internal sealed class PublishedDirectory(string path)
{
    /// <summary>Temporary entries are <c>.git-sync-tmp-&lt;64 random bits&gt;</c>: short, so any file name fits beside it.</summary>
    public const string TempPrefix = ".git-sync-tmp-";

    private const string GitMetadata = ".git";

    public string Path { get; } = path;

    private int _written;
    private int _removed;
    private int _checked;

    /// <summary>During a walk: the commit's entries; anything else in the source is a hook's and is not copied.</summary>
    private CommitEntries? _only;

    /// <summary>
    /// Makes each of <paramref name="paths"/> (relative, '/'-separated: what git diff lists)
    /// equal to the same path in <paramref name="source"/>: written when the source has it,
    /// removed (with any parent directory the source lacks) when it does not. A path the
    /// source holds as a directory (a submodule) is mirrored whole. Stray temporary files a
    /// killed update left beside these paths go too.
    /// </summary>
    public CopyCounts Update(string source, IEnumerable<string> paths, CancellationToken ct)
    {
        Reset();
        var removals = new List<string>();
        var sorted = paths.Where(IsPublishable).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var parents = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rel in sorted)
        {
            ct.ThrowIfCancellationRequested();
            parents.Add(ParentOf(rel));
            var src = SourceAt(source, rel);
            if (src.Kind is EntryKind.Missing or EntryKind.Other)
            {
                removals.Add(rel);
                continue;
            }
            EnsureDirectory(source, ParentOf(rel));
            Put(source, rel, src, removals, ct);
        }
        foreach (var parent in parents)
        {
            RemoveStrayTemps(source, parent);
        }
        Remove(source, removals, ct);
        return Counts();
    }

    /// <summary>
    /// Makes the whole directory equal to <paramref name="source"/> by walking both trees: for a
    /// first publish, and whenever what the directory holds is not known (a lost journal).
    /// Files already equal are left alone, so this costs reads, not writes.
    /// </summary>
    public CopyCounts Mirror(string source, CommitEntries? only, CancellationToken ct)
    {
        Reset();
        _only = only;
        EnsureRoot();
        var removals = new List<string>();
        MirrorDirectory(source, "", removals, ct);
        Remove(source, removals, ct);
        return Counts();
    }

    /// <summary>Whether the directory holds anything at all.</summary>
    public bool IsEmpty() => !Directory.EnumerateFileSystemEntries(Path).Any();

    private void Reset() => (_written, _removed, _checked, _only) = (0, 0, 0, null);

    private CopyCounts Counts() => new(_written, _removed, _checked);

    private static bool IsPublishable(string rel) =>
        rel.Length > 0
        && !rel.StartsWith('/')
        && rel.Split('/').All(part => part.Length > 0 && part is not ("." or ".." or GitMetadata));

    private static string ParentOf(string rel)
    {
        var slash = rel.LastIndexOf('/');
        return slash < 0 ? "" : rel[..slash];
    }

    private static string Join(string root, string rel) => rel.Length == 0 ? root : root + "/" + rel;

    /// <summary>The source's entry at <paramref name="rel"/>: missing when a walk's commit does not have it.</summary>
    private FileStatus SourceAt(string source, string rel) =>
        _only is not null && !_only.Includes(rel) ? FileStatus.Missing : StatusIn(source, rel);

    /// <summary>What is at <paramref name="rel"/> under <paramref name="root"/>, with every parent a real directory; else missing.</summary>
    private static FileStatus StatusIn(string root, string rel)
    {
        if (rel.Length == 0)
        {
            return FileStatus.Of(root);
        }
        var parent = ParentOf(rel);
        if (parent.Length > 0 && StatusIn(root, parent).Kind != EntryKind.Directory)
        {
            return FileStatus.Missing;
        }
        return FileStatus.Of(Join(root, rel));
    }

    private void EnsureRoot()
    {
        var status = FileStatus.Of(Path);
        if (status.Kind == EntryKind.Directory)
        {
            return;
        }
        if (status.Kind != EntryKind.Missing)
        {
            throw new IOException($"{Path} is not a directory");
        }
        Directory.CreateDirectory(Path);
    }

    /// <summary>Creates <paramref name="rel"/> and its parents as real directories, replacing a file or symlink in the way.</summary>
    private void EnsureDirectory(string source, string rel)
    {
        if (rel.Length == 0)
        {
            EnsureRoot();
            return;
        }
        EnsureDirectory(source, ParentOf(rel));
        var dst = Join(Path, rel);
        var status = FileStatus.Of(dst);
        if (status.Kind == EntryKind.Directory)
        {
            return;
        }
        if (status.Kind != EntryKind.Missing)
        {
            // The old revision had a file (or a symlink) where the new one has a directory.
            Filesystem.RemoveAll(dst);
            _removed++;
        }
        CreateDirectoryLike(source, rel, dst);
    }

    private static void CreateDirectoryLike(string source, string rel, string dst)
    {
        // One level only (the parent was checked): mkdir never follows a symlink at the name.
        if (!Native.MakeDirectory(dst, 0x1FF))
        {
            throw new IOException($"mkdir {dst}: something appeared at the name meanwhile");
        }
        var mode = FileStatus.Of(Join(source, rel)).Mode;
        if (mode != 0)
        {
            // As the worktree has it (git makes directories with the process umask).
            File.SetUnixFileMode(dst, mode);
        }
    }

    /// <summary>Writes the source's entry at <paramref name="rel"/> (whose parent is a real directory).</summary>
    private void Put(string source, string rel, FileStatus src, List<string> removals, CancellationToken ct)
    {
        var from = Join(source, rel);
        var dst = Join(Path, rel);
        var have = FileStatus.Of(dst);
        _checked++;
        switch (src.Kind)
        {
            case EntryKind.Directory:
                if (have.Kind != EntryKind.Directory)
                {
                    if (have.Kind != EntryKind.Missing)
                    {
                        Filesystem.RemoveAll(dst);
                        _removed++;
                    }
                    CreateDirectoryLike(source, rel, dst);
                }
                MirrorDirectory(source, rel, removals, ct);
                return;
            case EntryKind.File:
                if (have.Kind == EntryKind.File && have.Mode == src.Mode && have.Size == src.Size && FileContent.Same(from, dst))
                {
                    return;
                }
                ClearDirectory(dst, have);
                ReplaceWithFile(from, dst, src.Mode);
                return;
            case EntryKind.Symlink:
                var target = new FileInfo(from).LinkTarget!;
                if (have.Kind == EntryKind.Symlink && new FileInfo(dst).LinkTarget == target)
                {
                    return;
                }
                ClearDirectory(dst, have);
                ReplaceWithSymlink(target, dst);
                return;
        }
    }

    /// <summary>A directory where a file goes must go first: rename(2) can't replace one with a file.</summary>
    private void ClearDirectory(string dst, FileStatus have)
    {
        if (have.Kind == EntryKind.Directory)
        {
            Filesystem.RemoveAll(dst);
            _removed++;
        }
    }

    private void MirrorDirectory(string source, string rel, List<string> removals, CancellationToken ct)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in Names(Join(source, rel)))
        {
            ct.ThrowIfCancellationRequested();
            var child = rel.Length == 0 ? name : rel + "/" + name;
            if (name == GitMetadata || _only?.Includes(child) == false)
            {
                continue;
            }
            var src = FileStatus.Of(Join(source, child));
            if (src.Kind is EntryKind.Missing or EntryKind.Other)
            {
                continue;
            }
            wanted.Add(name);
            Put(source, child, src, removals, ct);
        }
        foreach (var name in Names(Join(Path, rel)))
        {
            if (!wanted.Contains(name))
            {
                removals.Add(rel.Length == 0 ? name : rel + "/" + name);
            }
        }
    }

    private static IEnumerable<string> Names(string dir) =>
        new DirectoryInfo(dir).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false, MatchType = MatchType.Simple })
            .Select(info => info.Name);

    /// <summary>Temporary files of a killed update, in a directory this update touches; a name the source really has is kept.</summary>
    private void RemoveStrayTemps(string source, string rel)
    {
        var dir = Join(Path, rel);
        if (StatusIn(Path, rel).Kind != EntryKind.Directory)
        {
            return;
        }
        foreach (var name in Names(dir))
        {
            if (name.StartsWith(TempPrefix, StringComparison.Ordinal) && SourceAt(source, rel.Length == 0 ? name : rel + "/" + name).Kind == EntryKind.Missing)
            {
                Filesystem.RemoveAll(Join(dir, name));
                _removed++;
            }
        }
    }

    /// <summary>Removes what the source lacks, deepest first, then each parent directory the source lacks too.</summary>
    private void Remove(string source, List<string> removals, CancellationToken ct)
    {
        foreach (var rel in removals.OrderByDescending(r => r.Count(c => c == '/')).ThenBy(r => r, StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            if (StatusIn(Path, rel).Kind != EntryKind.Missing && (!IsPublishable(rel) || SourceAt(source, rel).Kind is EntryKind.Missing or EntryKind.Other))
            {
                Filesystem.RemoveAll(Join(Path, rel));
                _removed++;
            }
            for (var parent = ParentOf(rel); parent.Length > 0; parent = ParentOf(parent))
            {
                var want = SourceAt(source, parent);
                if (want.Kind == EntryKind.Directory)
                {
                    break;
                }
                var have = StatusIn(Path, parent);
                if (have.Kind == EntryKind.Missing)
                {
                    continue;
                }
                if (want.Kind is EntryKind.Missing or EntryKind.Other)
                {
                    // Emptied (or holding only what the source lacks); its parent may be next.
                    Filesystem.RemoveAll(Join(Path, parent));
                    _removed++;
                    continue;
                }
                if (have.Kind == EntryKind.Directory)
                {
                    // The source has a file here; the directory in the way was not in the path set.
                    EnsureDirectory(source, ParentOf(parent));
                    Put(source, parent, want, [], ct);
                }
                break;
            }
        }
    }

    private void ReplaceWithFile(string from, string dst, UnixFileMode mode)
    {
        var temp = TempBeside(dst);
        try
        {
            using (var input = new FileStream(from, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite, BufferSize = 0 }))
            using (var output = new FileStream(temp, new FileStreamOptions
            {
                // O_CREAT|O_EXCL: never an existing file, never through a planted symlink.
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                BufferSize = 0,
                PreallocationSize = input.Length,
            }))
            {
                input.CopyTo(output, 128 * 1024);
                // fchmod through the handle: exactly the worktree's bits, whatever the umask.
                File.SetUnixFileMode(output.SafeFileHandle, mode);
            }
            Native.Rename(temp, dst);
            _written++;
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private void ReplaceWithSymlink(string target, string dst)
    {
        var temp = TempBeside(dst);
        // symlink(2) fails when anything exists at the name.
        File.CreateSymbolicLink(temp, target);
        try
        {
            Native.Rename(temp, dst);
            _written++;
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static string TempBeside(string dst) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(dst)!, TempPrefix + Filesystem.RandomSuffix());

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary file is removed by the next update that touches its directory.
        }
    }
}
