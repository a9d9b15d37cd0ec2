using GitSync.Platform;
using GitSync.Tests.Infrastructure;
using Xunit;

namespace GitSync.Tests.Platform;

/// <summary>
/// The inotify watch that keeps a spare tree's proof current: every kind of change anywhere in
/// the tree ends the quiet, reading does not, and a tree it can't fully watch gets no watch.
/// </summary>
public sealed class DirectoryWatchTests : IDisposable
{
    private readonly TempDir _dir = TempDir.Create("watch");

    private string Tree => _dir.Combine("tree");

    private DirectoryWatch Watch()
    {
        Directory.CreateDirectory(Path.Combine(Tree, "a", "b", "c"));
        Directory.CreateDirectory(Path.Combine(Tree, "d"));
        File.WriteAllText(Path.Combine(Tree, "top"), "top");
        File.WriteAllText(Path.Combine(Tree, "a", "b", "c", "deep"), "deep");
        File.CreateSymbolicLink(Path.Combine(Tree, "link"), "a");
        var watch = DirectoryWatch.TryWatchTree(Tree, 100);
        Assert.NotNull(watch);
        return watch;
    }

    [Fact]
    public void Stays_quiet_while_files_are_only_read_and_listed()
    {
        using var watch = Watch();
        Assert.Equal("deep", File.ReadAllText(Path.Combine(Tree, "a", "b", "c", "deep")));
        Assert.NotEmpty(Directory.EnumerateFileSystemEntries(Tree, "*", SearchOption.AllDirectories));
        _ = new FileInfo(Path.Combine(Tree, "top")).Length;
        Assert.True(watch.IsQuiet());
        Assert.True(watch.IsQuiet());
        Assert.Equal(5, watch.Count);
    }

    public static TheoryData<string> Changes => ["write deep", "truncate", "create", "mkdir", "delete", "rmdir", "rename", "chmod", "touch", "symlink"];

    [Theory]
    [MemberData(nameof(Changes))]
    public void Notices_a_change_anywhere_in_the_tree(string change)
    {
        using var watch = Watch();
        string deep = Path.Combine(Tree, "a", "b", "c", "deep");
        switch (change)
        {
            case "write deep":
                File.AppendAllText(deep, "x");
                break;
            case "truncate":
                File.WriteAllText(Path.Combine(Tree, "top"), "");
                break;
            case "create":
                File.WriteAllText(Path.Combine(Tree, "a", "b", "new"), "");
                break;
            case "mkdir":
                Directory.CreateDirectory(Path.Combine(Tree, "d", "e"));
                break;
            case "delete":
                File.Delete(deep);
                break;
            case "rmdir":
                Directory.Delete(Path.Combine(Tree, "d"));
                break;
            case "rename":
                File.Move(deep, Path.Combine(Tree, "a", "moved"));
                break;
            case "chmod":
                File.SetUnixFileMode(deep, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                break;
            case "touch":
                File.SetLastWriteTimeUtc(deep, DateTime.UtcNow.AddDays(-1));
                break;
            case "symlink":
                File.CreateSymbolicLink(Path.Combine(Tree, "a", "b", "c", "planted"), "/etc");
                break;
        }
        Assert.False(watch.IsQuiet());
        // Once changed, always changed.
        Assert.False(watch.IsQuiet());
    }

    [Fact]
    public void A_file_written_into_a_directory_made_after_the_watch_started_is_noticed()
    {
        using var watch = Watch();
        // The mkdir alone already ends the quiet: a later write there can't go unseen.
        Directory.CreateDirectory(Path.Combine(Tree, "later"));
        Assert.False(watch.IsQuiet());
    }

    [Fact]
    public void A_directory_added_to_the_watch_is_watched_from_then_on()
    {
        using var watch = Watch();
        string other = _dir.Combine("metadata");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "index"), "before");
        Assert.True(watch.TryAdd(other));
        Assert.True(watch.IsQuiet());
        File.WriteAllText(Path.Combine(other, "index"), "after");
        Assert.False(watch.IsQuiet());
    }

    [Fact]
    public void Does_not_follow_a_symlinked_directory_out_of_the_tree()
    {
        string outside = _dir.Combine("outside");
        Directory.CreateDirectory(outside);
        Directory.CreateDirectory(Tree);
        File.CreateSymbolicLink(Path.Combine(Tree, "out"), outside);
        using var watch = DirectoryWatch.TryWatchTree(Tree, 100);
        Assert.NotNull(watch);
        Assert.Equal(1, watch.Count);
        File.WriteAllText(Path.Combine(outside, "x"), "x");
        Assert.True(watch.IsQuiet());
    }

    [Fact]
    public void Gives_no_watch_for_a_tree_with_more_directories_than_the_limit()
    {
        Directory.CreateDirectory(Tree);
        for (int i = 0; i < 5; i++)
        {
            Directory.CreateDirectory(Path.Combine(Tree, "d" + i));
        }
        Assert.Null(DirectoryWatch.TryWatchTree(Tree, 3));
        using var enough = DirectoryWatch.TryWatchTree(Tree, 6);
        Assert.NotNull(enough);
    }

    [Fact]
    public void Gives_no_watch_for_a_missing_tree()
    {
        Assert.Null(DirectoryWatch.TryWatchTree(_dir.Combine("missing"), 100));
    }

    [Fact]
    public void A_disposed_watch_is_never_quiet()
    {
        var watch = Watch();
        watch.Dispose();
        Assert.False(watch.IsQuiet());
        watch.Dispose();
    }

    public void Dispose() => _dir.Dispose();
}
