using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>Where the link goes and that its target stays relative.</summary>
public sealed class LinkTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Fact]
    public async Task Names_link_after_last_element_of_repo()
    {
        using TestRepo repo = NewRepo(name: "my-app");
        string head = repo.Commit("file", "content");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(["--repo=" + repo.Url + "/", "--root=" + root, "--one-time"]);

        Assert.True(p.ExitCode == 0, p.Diagnostics());
        string link = Path.Combine(root, "my-app");
        Layout.AssertPublished(link, head, p.Diagnostics);
        Assert.Equal(Path.Combine(".worktrees", head), Layout.TargetOf(link));
    }

    [Fact]
    public async Task Publishes_relative_link_in_a_subdirectory()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "content");
        string root = NewDir().Path;

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=sub/dir/link");

        string link = Path.Combine(root, "sub", "dir", "link");
        Layout.AssertPublished(link, head, p.Diagnostics);
        Assert.Equal(Path.Combine("..", "..", ".worktrees", head), Layout.TargetOf(link));
        Layout.AssertFile(link, "file", "content");
    }

    [Fact]
    public async Task Publishes_absolute_link_inside_root_with_relative_target()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "content");
        string root = NewDir().Path;
        string link = Path.Combine(root, "abs", "link");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=" + link);

        Layout.AssertPublished(link, head, p.Diagnostics);
        Assert.Equal(Path.Combine("..", ".worktrees", head), Layout.TargetOf(link));
    }

    [Fact]
    public async Task Publishes_absolute_link_outside_root_with_relative_target()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "content");
        TempDir dir = NewDir();
        string root = dir.Combine("root");
        string link = dir.Combine("published", "current");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=" + link);

        Layout.AssertPublished(link, head, p.Diagnostics);
        Assert.Equal(Path.Combine("..", "root", ".worktrees", head), Layout.TargetOf(link));
    }

    [Fact]
    public async Task Moves_subdirectory_link_atomically_on_update()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "a", "b", "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=a/b/link", "--period=100ms"));
        await WaitForHashAsync(p, link, first);

        string second = repo.Commit("file", "v2");
        // While the update happens the link must always resolve to a complete tree.
        using var watching = new CancellationTokenSource();
        Task<string?> watcher = Task.Run(() => WatchLinkAsync(link, watching.Token));
        await WaitForHashAsync(p, link, second);
        await watching.CancelAsync();
        string? violation = await watcher;

        Assert.True(violation is null, violation + "\n" + p.Diagnostics());
        Layout.AssertPublished(link, second, p.Diagnostics);
        Assert.Equal(Path.Combine("..", "..", ".worktrees", second), Layout.TargetOf(link));
    }

    [Fact]
    public async Task Publishes_despite_leftover_temporary_links()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        await RunOnceAsync(repo, root, "--link=link");
        Layout.AssertPublished(link, first);

        // What a crash between "create temp link" and "rename it" leaves behind: this program's
        // temp link name (dangling) and upstream's ("tmp-link") pointing at a real tree.
        File.CreateSymbolicLink(Path.Combine(root, ".link.tmp-link"), ".worktrees/0000000000000000000000000000000000000000");
        File.CreateSymbolicLink(Path.Combine(root, "tmp-link"), Path.Combine(".worktrees", first));
        string second = repo.Commit("file", "v2");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link");

        Layout.AssertPublished(link, second, p.Diagnostics);
        Layout.AssertFile(link, "file", "v2");
    }

    /// <summary>Returns a description of the first moment the link did not resolve to a full tree, or null.</summary>
    private static async Task<string?> WatchLinkAsync(string link, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (!File.Exists(Path.Combine(link, "file")))
            {
                return $"{link}/file was missing at some instant (link target: {Layout.TargetOf(link) ?? "none"})";
            }

            await Task.Delay(1, CancellationToken.None);
        }

        return null;
    }
}
