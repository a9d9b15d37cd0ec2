using System.Text;
using GitSync.Platform;
using GitSync.Sync;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Sync;

/// <summary>
/// The copy-mode directory, in process: a few hundred random revisions (adds, deletes, renames,
/// content and mode changes, symlinks, a file replaced by a directory and back) applied by change
/// set leave the directory equal to each revision, with nothing else in it.
/// </summary>
public sealed class PublishedDirectoryTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = TempDir.Create("copy");

    /// <summary>One tracked entry of a revision: a file (content, executable bit) or a symlink (target).</summary>
    private sealed record Entry(bool Symlink, string Content, bool Executable);

    [Fact]
    public void Random_updates_by_change_set_leave_the_directory_equal_to_each_revision()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        string published = _dir.Combine("published");
        var directory = new PublishedDirectory(published);
        var revision = new SortedDictionary<string, Entry>(StringComparer.Ordinal);
        string source = Materialize(revision, 0);
        directory.Mirror(source, null, CancellationToken.None);
        AssertEqual(published, revision, "revision 0");

        for (int step = 1; step <= 300; step++)
        {
            var next = new SortedDictionary<string, Entry>(revision, StringComparer.Ordinal);
            int changes = random.Next(1, 6);
            for (int c = 0; c < changes; c++)
            {
                Mutate(next, random, step);
            }

            string nextSource = Materialize(next, step);
            // Every 25th revision goes by the full walk, as after a lost journal.
            if (step % 25 == 0)
            {
                directory.Mirror(nextSource, null, CancellationToken.None);
            }
            else
            {
                directory.Update(nextSource, ChangeSet(revision, next), CancellationToken.None);
            }

            AssertEqual(published, next, $"revision {step} (seed {seed})");
            Filesystem.RemoveAll(source);
            source = nextSource;
            revision = next;
        }
    }

    [Fact]
    public void Copy_holds_real_files_and_never_git_metadata()
    {
        var revision = new SortedDictionary<string, Entry>(StringComparer.Ordinal)
        {
            ["a.txt"] = new(false, "a", false),
            ["bin/run"] = new(false, "#!/bin/sh\n", true),
            ["lib/sub/deep.txt"] = new(false, "deep", false),
            ["link"] = new(true, "lib/sub", false),
        };
        string source = Materialize(revision, 0);
        // A submodule checked out in the worktree carries its own .git file.
        File.WriteAllText(Path.Combine(source, "lib", ".git"), "gitdir: ../.git/modules/lib\n");
        string published = _dir.Combine("published");

        new PublishedDirectory(published).Mirror(source, null, CancellationToken.None);

        Assert.Equal(EntryKind.Directory, FileStatus.Of(published).Kind);
        Assert.False(Filesystem.Exists(Path.Combine(published, ".git")));
        Assert.False(Filesystem.Exists(Path.Combine(published, "lib", ".git")));
        AssertEqual(published, revision, "mirror");
    }

    [Fact]
    public void A_temp_file_left_by_a_killed_update_goes_with_the_next_update_of_its_directory()
    {
        var one = new SortedDictionary<string, Entry>(StringComparer.Ordinal) { ["d/a"] = new(false, "1", false) };
        var two = new SortedDictionary<string, Entry>(StringComparer.Ordinal) { ["d/a"] = new(false, "2", false) };
        string published = _dir.Combine("published");
        var directory = new PublishedDirectory(published);
        directory.Mirror(Materialize(one, 1), null, CancellationToken.None);
        string stray = Path.Combine(published, "d", PublishedDirectory.TempPrefix + "0123456789abcdef");
        File.WriteAllText(stray, "half a fi");

        directory.Update(Materialize(two, 2), ChangeSet(one, two), CancellationToken.None);

        Assert.False(File.Exists(stray));
        AssertEqual(published, two, "after the update");
    }

    [Fact]
    public void A_symlink_planted_where_a_directory_was_is_replaced_not_followed()
    {
        var one = new SortedDictionary<string, Entry>(StringComparer.Ordinal) { ["d/a"] = new(false, "1", false) };
        var two = new SortedDictionary<string, Entry>(StringComparer.Ordinal) { ["d/a"] = new(false, "2", false), ["d/b"] = new(false, "b", false) };
        string published = _dir.Combine("published");
        var directory = new PublishedDirectory(published);
        directory.Mirror(Materialize(one, 1), null, CancellationToken.None);
        using TempDir victim = TempDir.Create("copy-victim");
        Directory.Delete(Path.Combine(published, "d"), recursive: true);
        File.CreateSymbolicLink(Path.Combine(published, "d"), victim.Path);

        directory.Update(Materialize(two, 2), ChangeSet(one, two), CancellationToken.None);

        Assert.Empty(Directory.EnumerateFileSystemEntries(victim.Path));
        AssertEqual(published, two, "after the update");
    }

    /// <summary>The paths git diff --name-only would list between two revisions.</summary>
    private static List<string> ChangeSet(IDictionary<string, Entry> from, IDictionary<string, Entry> to) =>
        [.. from.Keys.Union(to.Keys).Where(p => !from.TryGetValue(p, out Entry? a) || !to.TryGetValue(p, out Entry? b) || a != b)];

    private static readonly string[] Names = ["a", "b", "c", "d.txt", "e.sh"];

    private static string RandomPath(Random random)
    {
        int depth = random.Next(1, 4);
        return string.Join('/', Enumerable.Range(0, depth).Select(_ => Names[random.Next(Names.Length)]));
    }

    /// <summary>Whether <paramref name="path"/> can hold a file: no file among its parents, no entry below it.</summary>
    private static bool Free(IDictionary<string, Entry> revision, string path) =>
        !revision.ContainsKey(path)
        && !revision.Keys.Any(k => path.StartsWith(k + "/", StringComparison.Ordinal) || k.StartsWith(path + "/", StringComparison.Ordinal));

    private static void Mutate(SortedDictionary<string, Entry> revision, Random random, int step)
    {
        string[] paths = [.. revision.Keys];
        string? some = paths.Length == 0 ? null : paths[random.Next(paths.Length)];
        string content = $"step {step} {random.Next()}\n" + new string('x', random.Next(0, 3000));
        switch (random.Next(9))
        {
            case 0 or 1 when some is not null:
                revision.Remove(some);
                break;
            case 2 when some is not null:
                // Rename: git lists it as a delete and an add.
                string to = RandomPath(random);
                Entry moved = revision[some];
                revision.Remove(some);
                if (Free(revision, to))
                {
                    revision[to] = moved;
                }

                break;
            case 3 when some is not null && !revision[some].Symlink:
                revision[some] = revision[some] with { Executable = !revision[some].Executable };
                break;
            case 4 when some is not null:
                revision[some] = new Entry(false, content, random.Next(2) == 0);
                break;
            case 5 when some is not null:
                // A file becomes a directory.
                revision.Remove(some);
                revision[some + "/" + Names[random.Next(Names.Length)]] = new Entry(false, content, false);
                break;
            case 6 when some is not null && some.Contains('/'):
                // A directory becomes a file.
                string dir = some[..some.LastIndexOf('/')];
                foreach (string inside in paths.Where(p => p.StartsWith(dir + "/", StringComparison.Ordinal)))
                {
                    revision.Remove(inside);
                }

                if (Free(revision, dir))
                {
                    revision[dir] = new Entry(false, content, false);
                }

                break;
            case 7:
                string linkPath = RandomPath(random);
                if (Free(revision, linkPath))
                {
                    string[] targets = ["a", "../b", "c/d.txt", "nowhere", "/etc/passwd", "."];
                    revision[linkPath] = new Entry(true, targets[random.Next(targets.Length)], false);
                }

                break;
            default:
                string path = RandomPath(random);
                if (Free(revision, path))
                {
                    revision[path] = new Entry(false, content, random.Next(4) == 0);
                }

                break;
        }
    }

    /// <summary>Writes a revision as a worktree would hold it (with a .git file), in a new directory.</summary>
    private string Materialize(IDictionary<string, Entry> revision, int step)
    {
        string root = _dir.Combine("source-" + step);
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, ".git"), "gitdir: ../.git/worktrees/x\n");
        foreach ((string path, Entry entry) in revision)
        {
            string full = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            if (entry.Symlink)
            {
                File.CreateSymbolicLink(full, entry.Content);
            }
            else
            {
                File.WriteAllText(full, entry.Content);
                File.SetUnixFileMode(full, entry.Executable ? (UnixFileMode)0x1ED : (UnixFileMode)0x1A4);
            }
        }

        return root;
    }

    /// <summary>The directory holds exactly the revision: its files, modes and symlinks, no other entry and no empty directory.</summary>
    private static void AssertEqual(string published, IDictionary<string, Entry> revision, string what)
    {
        var found = new SortedDictionary<string, Entry>(StringComparer.Ordinal);
        var directories = new List<string>();
        Walk(published, "", found, directories);
        string Describe(IDictionary<string, Entry> r) => string.Join(", ", r.Select(kv => kv.Key + (kv.Value.Symlink ? " -> " + kv.Value.Content : kv.Value.Executable ? " (x)" : "")));
        Assert.True(
            revision.Count == found.Count && revision.All(kv => found.TryGetValue(kv.Key, out Entry? e) && e == kv.Value),
            $"{what}: expected [{Describe(revision)}]\nfound [{Describe(found)}]");
        foreach (string dir in directories)
        {
            Assert.True(revision.Keys.Any(k => k.StartsWith(dir + "/", StringComparison.Ordinal)), $"{what}: directory {dir} holds nothing of the revision");
        }
    }

    private static void Walk(string root, string rel, IDictionary<string, Entry> found, List<string> directories)
    {
        foreach (string full in Directory.EnumerateFileSystemEntries(rel.Length == 0 ? root : Path.Combine(root, rel)))
        {
            string path = rel.Length == 0 ? Path.GetFileName(full) : rel + "/" + Path.GetFileName(full);
            FileStatus status = FileStatus.Of(full);
            switch (status.Kind)
            {
                case EntryKind.Symlink:
                    found[path] = new Entry(true, new FileInfo(full).LinkTarget!, false);
                    break;
                case EntryKind.Directory:
                    directories.Add(path);
                    Walk(root, path, found, directories);
                    break;
                default:
                    bool executable = (status.Mode & UnixFileMode.UserExecute) != 0;
                    found[path] = new Entry(false, File.ReadAllText(full, Encoding.UTF8), executable);
                    Assert.Equal(executable ? (UnixFileMode)0x1ED : (UnixFileMode)0x1A4, status.Mode);
                    break;
            }
        }
    }

    public void Dispose() => _dir.Dispose();
}
