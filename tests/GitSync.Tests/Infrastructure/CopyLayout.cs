using GitSync.Platform;

namespace GitSync.Tests.Infrastructure;

/// <summary>
/// What <c>--publish=copy</c> must leave at the link: a real directory (no symlink on the way)
/// holding exactly a commit's files — same contents, executable bits and symlinks — and nothing
/// else: no <c>.git</c>, no temporary file, no empty directory.
/// </summary>
public static class CopyLayout
{
    /// <summary>The prefix of the copy's temporary names (<c>PublishedDirectory.TempPrefix</c>).</summary>
    public const string TempPrefix = ".git-sync-tmp-";

    /// <summary>Null when <paramref name="dir"/> equals <paramref name="commit"/> exactly; else the first difference.</summary>
    public static string? DifferenceFromCommit(string dir, TestRepo repo, string commit)
    {
        if (FileStatus.Of(dir).Kind != EntryKind.Directory)
        {
            return $"{dir} is not a real directory ({FileStatus.Of(dir).Kind})";
        }

        // <mode> <type> <object>\t<path>, NUL-terminated.
        var expected = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string record in repo.Git("ls-tree", "-r", "-z", commit).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            int tab = record.IndexOf('\t', StringComparison.Ordinal);
            expected[record[(tab + 1)..]] = record[..record.IndexOf(' ', StringComparison.Ordinal)];
        }

        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string? problem = Walk(dir, "", expected, found);
        if (problem is not null)
        {
            return problem;
        }

        if (!expected.Keys.SequenceEqual(found.Keys, StringComparer.Ordinal))
        {
            return $"entries differ from {commit}: expected [{string.Join(", ", expected.Keys)}], found [{string.Join(", ", found.Keys)}]";
        }

        foreach ((string path, string mode) in expected)
        {
            if (found[path] != mode)
            {
                return $"{path}: mode {found[path]}, expected {mode} (commit {commit})";
            }

            string want = repo.ShowExact(commit, path);
            string full = Path.Combine(dir, path);
            string have = mode == "120000" ? new FileInfo(full).LinkTarget! : File.ReadAllText(full);
            if (want != have)
            {
                return $"{path} differs from {commit}: expected {Show(want)}, found {Show(have)}";
            }
        }

        return null;
    }

    private static string Show(string s) => s.Length > 80 ? $"'{s[..60]}...' ({s.Length} chars)" : $"'{s}'";

    private static string? Walk(string root, string rel, IDictionary<string, string> expected, IDictionary<string, string> found)
    {
        string dir = rel.Length == 0 ? root : Path.Combine(root, rel);
        bool any = false;
        foreach (string full in Directory.EnumerateFileSystemEntries(dir))
        {
            any = true;
            string name = Path.GetFileName(full);
            string path = rel.Length == 0 ? name : rel + "/" + name;
            if (name == ".git")
            {
                return $"{path}: git metadata in the copy";
            }

            if (name.StartsWith(TempPrefix, StringComparison.Ordinal))
            {
                return $"{path}: a temporary file in the copy";
            }

            FileStatus status = FileStatus.Of(full);
            switch (status.Kind)
            {
                case EntryKind.Directory:
                    string? problem = Walk(root, path, expected, found);
                    if (problem is not null)
                    {
                        return problem;
                    }

                    break;
                case EntryKind.Symlink:
                    found[path] = "120000";
                    break;
                case EntryKind.File:
                    found[path] = (status.Mode & UnixFileMode.UserExecute) != 0 ? "100755" : "100644";
                    break;
                default:
                    return $"{path}: {status.Kind}";
            }
        }

        return any || rel.Length == 0 ? null : $"{rel}: an empty directory";
    }
}
