using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>
/// What a SIGKILL (or a disk problem) can leave in the root, and that the next start repairs it.
/// Each test syncs once, damages the root the way a crash would, and runs git-sync again.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output) : EndToEndTest(output)
{
    private const string Link = "link";

    private async Task<(TestRepo Repo, string Root, string LinkPath, string Head)> SyncedRootAsync()
    {
        TestRepo repo = NewRepo();
        string head = repo.Commit(new Dictionary<string, string> { ["file"] = "v1", ["dir/nested"] = "nested v1" });
        string root = NewDir().Path;
        await RunOnceAsync(repo, root, "--link=" + Link);
        string link = Path.Combine(root, Link);
        Layout.AssertPublished(link, head);
        return (repo, root, link, head);
    }

    [Fact]
    public async Task Replaces_half_made_worktree_for_the_new_hash()
    {
        (TestRepo repo, string root, string link, _) = await SyncedRootAsync();
        string next = repo.Commit("file", "v2");
        // A crash during "worktree add"/checkout of the next hash: a directory with junk and no .git.
        string halfMade = Path.Combine(root, ".worktrees", next);
        Directory.CreateDirectory(Path.Combine(halfMade, "dir"));
        File.WriteAllText(Path.Combine(halfMade, "junk"), "partial");
        File.WriteAllText(Path.Combine(halfMade, "file"), "truncat");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=" + Link);

        Layout.AssertPublished(link, next, p.Diagnostics);
        Layout.AssertMatchesCommit(link, repo, next, p.Diagnostics);
        Assert.Equal("", LocalGit.Output(link, "status", "--porcelain"));
    }

    [Fact]
    public async Task Replaces_half_made_worktree_registered_with_git()
    {
        (TestRepo repo, string root, string link, string head) = await SyncedRootAsync();
        string next = repo.Commit("file", "v2");
        // A crash after "git worktree add --no-checkout" but before the checkout finished.
        LocalGit.Output(root, "fetch", "--quiet", repo.Url, "main");
        string halfMade = Path.Combine(root, ".worktrees", next);
        LocalGit.Output(root, "worktree", "add", "--force", "--detach", "--no-checkout", halfMade, next);
        Assert.False(File.Exists(Path.Combine(halfMade, "file")));

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=" + Link);

        Layout.AssertPublished(link, next, p.Diagnostics);
        Layout.AssertMatchesCommit(link, repo, next, p.Diagnostics);
        Assert.DoesNotContain(head, Layout.Worktrees(root));
    }

    [Fact]
    public async Task Recreates_missing_link_when_worktree_exists()
    {
        (TestRepo repo, string root, string link, string head) = await SyncedRootAsync();
        File.Delete(link);

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=" + Link);

        Layout.AssertPublished(link, head, p.Diagnostics);
        Layout.AssertMatchesCommit(link, repo, head, p.Diagnostics);
    }

    [Fact]
    public async Task Repairs_dangling_link()
    {
        (TestRepo repo, string root, string link, string head) = await SyncedRootAsync();
        Directory.Delete(Path.Combine(root, ".worktrees", head), recursive: true);

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=" + Link);

        Layout.AssertPublished(link, head, p.Diagnostics);
        Layout.AssertMatchesCommit(link, repo, head, p.Diagnostics);
    }

    [Fact]
    public async Task Rebuilds_worktree_whose_HEAD_does_not_match_its_name_without_unpublishing()
    {
        (TestRepo repo, string root, string link, string head) = await SyncedRootAsync();
        // The worktree named <head> now has another commit checked out.
        string worktree = Layout.ResolvedTarget(link)!;
        File.WriteAllText(Path.Combine(worktree, "file"), "tampered");
        LocalGit.Output(worktree, "commit", "--quiet", "-am", "not from the remote");
        Assert.NotEqual(head, LocalGit.Output(link, "rev-parse", "HEAD"));

        // "Repair never unpublishes": while git-sync repairs, the link must always serve a tree.
        using var watching = new CancellationTokenSource();
        Task<string?> watcher = Task.Run(() => WatchAsync(link, watching.Token));
        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=" + Link);
        await watching.CancelAsync();
        string? gap = await watcher;

        Layout.AssertPublished(link, head, p.Diagnostics);
        Layout.AssertMatchesCommit(link, repo, head, p.Diagnostics);
        Assert.True(gap is null, gap + "\n" + p.Diagnostics());
    }

    [Theory]
    [InlineData("garbage-HEAD", false)]
    [InlineData("garbage-HEAD", true)]
    [InlineData("objects-deleted", false)]
    [InlineData("objects-deleted", true)]
    [InlineData("git-dir-deleted", true)]
    [InlineData("config-garbage", true)]
    public async Task Rebuilds_corrupt_root_repo(string damage, bool newCommit)
    {
        (TestRepo repo, string root, string link, string head) = await SyncedRootAsync();
        string gitDir = Path.Combine(root, ".git");
        switch (damage)
        {
            case "garbage-HEAD":
                File.WriteAllText(Path.Combine(gitDir, "HEAD"), "this is not a ref\n");
                break;
            case "objects-deleted":
                foreach (string file in Directory.EnumerateFiles(Path.Combine(gitDir, "objects"), "*", SearchOption.AllDirectories))
                {
                    File.Delete(file);
                }

                break;
            case "git-dir-deleted":
                Directory.Delete(gitDir, recursive: true);
                break;
            case "config-garbage":
                File.WriteAllText(Path.Combine(gitDir, "config"), "[core\n\tthis is = = not config\n");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(damage));
        }

        string expected = newCommit ? repo.Commit("file", "v2") : head;

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=" + Link);

        Layout.AssertPublished(link, expected, p.Diagnostics);
        Layout.AssertMatchesCommit(link, repo, expected, p.Diagnostics);
        GitResult fsck = LocalGit.Run(root, "fsck", "--connectivity-only", "--no-dangling", "--no-progress");
        Assert.True(fsck.Succeeded, "the rebuilt root repo fails fsck: " + LocalGit.Describe(fsck));
    }

    [Fact]
    public async Task Keeps_serving_old_tree_while_rebuilding_corrupt_root()
    {
        (TestRepo repo, string root, string link, _) = await SyncedRootAsync();
        File.WriteAllText(Path.Combine(root, ".git", "HEAD"), "garbage\n");
        string next = repo.Commit("file", "v2");

        using var watching = new CancellationTokenSource();
        Task<string?> watcher = Task.Run(() => WatchAsync(link, watching.Token));
        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=" + Link);
        await watching.CancelAsync();
        string? gap = await watcher;

        Layout.AssertPublished(link, next, p.Diagnostics);
        Assert.True(gap is null, gap + "\n" + p.Diagnostics());
    }

    [Theory]
    [InlineData("shallow.lock")]
    [InlineData("index.lock")]
    public async Task Recovers_from_stale_lock_file_in_root_repo(string lockFile)
    {
        (TestRepo repo, string root, string link, _) = await SyncedRootAsync();
        File.WriteAllText(Path.Combine(root, ".git", lockFile), "");
        string next = repo.Commit("file", "v2");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=" + Link);

        Layout.AssertPublished(link, next, p.Diagnostics);
        Layout.AssertMatchesCommit(link, repo, next, p.Diagnostics);
    }

    [Fact]
    public async Task Recovers_from_stale_lock_file_in_running_process()
    {
        (TestRepo repo, string root, string link, string head) = await SyncedRootAsync();
        GitSyncProcess p = Start(Args(repo, root, "--link=" + Link, "--period=100ms", "--max-failures=-1"));
        await WaitForHashAsync(p, link, head);

        // A lock left by a git killed mid-fetch (e.g. by the sync timeout) must not wedge every later sync.
        File.WriteAllText(Path.Combine(root, ".git", "shallow.lock"), "");
        string next = repo.Commit("file", "v2");

        await WaitForHashAsync(p, link, next);
        Layout.AssertMatchesCommit(link, repo, next, p.Diagnostics);
    }

    [Fact]
    public async Task Removes_orphaned_worktree_directories()
    {
        (TestRepo repo, string root, string link, string head) = await SyncedRootAsync();
        // A worktree dir for some hash git no longer knows about (crash between prune and rm).
        string orphan = Path.Combine(root, ".worktrees", new string('a', 40));
        Directory.CreateDirectory(orphan);
        File.WriteAllText(Path.Combine(orphan, "file"), "orphan");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=" + Link);

        Layout.AssertPublished(link, head, p.Diagnostics);
        Assert.Equal([head], Layout.Worktrees(root));
    }

    /// <summary>Watches the link until cancelled; returns a description of the first instant it served no tree.</summary>
    private static async Task<string?> WatchAsync(string link, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (!File.Exists(Path.Combine(link, "file")) || !File.Exists(Path.Combine(link, "dir", "nested")))
            {
                return $"the link served no complete tree at some instant (target: {Layout.TargetOf(link) ?? "none"})";
            }

            await Task.Delay(1, CancellationToken.None);
        }

        return null;
    }
}
