using GitSync.Platform;
using GitSync.Sync;
using GitSync.Tests.Infrastructure;
using Xunit;

namespace GitSync.Tests.Platform;

/// <summary>
/// Files git-sync writes under --root, a directory it shares with consumers: nothing planted there
/// (a symlink at a file's name or at a temp name) makes git-sync write or create elsewhere.
/// </summary>
public sealed class FilesystemTests : IDisposable
{
    private const UnixFileMode Mode0644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly TempDir _dir = TempDir.Create("fs");
    private readonly TempDir _elsewhere = TempDir.Create("fs-victim");

    [Fact]
    public void Atomic_write_replaces_a_symlink_at_the_name_instead_of_writing_through_it()
    {
        string victim = Victim();
        string path = _dir.Combine("error.json");
        File.CreateSymbolicLink(path, victim);

        Filesystem.WriteAtomic(path, "new"u8);

        Assert.Equal("keep", File.ReadAllText(victim));
        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Equal("new", File.ReadAllText(path));
        // Created 0600, so 0644 shows the mode was set on the open file (fchmod), not left to the umask.
        Assert.Equal(Mode0644, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Atomic_write_ignores_symlinks_planted_at_temp_names_and_leaves_no_temp_file()
    {
        string victim = Victim();
        string path = _dir.Combine("error.json");
        // The name earlier versions used (predictable from the pid), and a guess at a random one.
        string[] planted = [_dir.Combine($".error.json.tmp-{Environment.ProcessId}"), _dir.Combine(".error.json.tmp-0000000000000000")];
        foreach (string name in planted)
        {
            File.CreateSymbolicLink(name, victim);
        }

        Filesystem.WriteAtomic(path, "one"u8);
        Filesystem.WriteAtomic(path, "two"u8);

        Assert.Equal("keep", File.ReadAllText(victim));
        Assert.Equal("two", File.ReadAllText(path));
        string[] left = [.. Directory.EnumerateFileSystemEntries(_dir.Path).Select(e => Path.GetFileName(e)).Order(StringComparer.Ordinal)];
        string[] expected = [.. planted.Select(e => Path.GetFileName(e)).Append("error.json").Order(StringComparer.Ordinal)];
        Assert.Equal(expected, left);
    }

    [Fact]
    public void Touch_never_creates_the_target_of_a_dangling_symlink()
    {
        string target = _elsewhere.Combine("created-by-git-sync");
        string path = _dir.Combine("touched");
        File.CreateSymbolicLink(path, target);

        Filesystem.Touch(path);

        Assert.False(File.Exists(target), "touch followed the symlink and created its target");
        Assert.Equal(target, new FileInfo(path).LinkTarget);
    }

    [Fact]
    public void Touch_does_not_change_the_target_of_a_symlink()
    {
        string victim = Victim();
        DateTime old = new(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(victim, old);
        string path = _dir.Combine("touched");
        File.CreateSymbolicLink(path, victim);

        Filesystem.Touch(path);

        Assert.Equal(old, File.GetLastWriteTimeUtc(victim));
    }

    [Fact]
    public void Touch_creates_a_file_and_then_moves_its_modification_time()
    {
        string path = _dir.Combine("sub", "touched");

        Filesystem.Touch(path);
        Assert.True(File.Exists(path));
        Assert.Equal(Mode0644, File.GetUnixFileMode(path));
        DateTime old = new(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, old);

        Filesystem.Touch(path);
        Assert.True(File.GetLastWriteTimeUtc(path) > old.AddYears(20));
    }

    [Fact]
    public void Publishing_removes_leftover_temp_links_and_is_not_blocked_by_other_entries()
    {
        Directory.CreateDirectory(_dir.Combine(".worktrees", "a"));
        string linkPath = _dir.Combine("link");
        // A crash between "create temp link" and "rename" leaves one behind (any suffix, or none
        // as older versions named it); something else under that name is not ours.
        File.CreateSymbolicLink(_dir.Combine(".link.tmp-link-0123456789abcdef"), ".worktrees/gone");
        File.CreateSymbolicLink(_dir.Combine(".link.tmp-link"), ".worktrees/gone");
        Directory.CreateDirectory(_dir.Combine(".link.tmp-link-planted"));
        File.WriteAllText(_dir.Combine(".link.tmp-link-planted", "keep"), "keep");
        var link = new Link(linkPath);

        link.Publish(_dir.Combine(".worktrees", "a"));

        Assert.Equal(Path.Combine(".worktrees", "a"), new FileInfo(linkPath).LinkTarget);
        string[] left = [.. Directory.EnumerateFileSystemEntries(_dir.Path, ".link*").Select(e => Path.GetFileName(e))];
        Assert.Equal([".link.tmp-link-planted"], left);
        Assert.Equal("keep", File.ReadAllText(_dir.Combine(".link.tmp-link-planted", "keep")));
    }

    public void Dispose()
    {
        _dir.Dispose();
        _elsewhere.Dispose();
    }

    private string Victim()
    {
        string victim = _elsewhere.Combine("victim");
        File.WriteAllText(victim, "keep");
        return victim;
    }
}
