using System.Diagnostics;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>--stale-worktree-timeout: when unpublished worktrees are removed.</summary>
public sealed class StaleWorktreeTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Fact]
    public async Task Removes_old_worktree_right_after_update_by_default()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms"));
        await WaitForHashAsync(p, link, first);

        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, second);
        await Poll.UntilAsync(
            () => !Layout.Worktrees(root).Contains(first),
            "the unpublished worktree is removed",
            () => string.Join(", ", Layout.Worktrees(root)) + "\n" + p.Diagnostics());
        Assert.Equal([second], Layout.Worktrees(root));
        // The root repo forgot it too (git worktree prune runs right after the directory goes);
        // its files may live on as the spare the next update recycles, under another path.
        string oldPath = Path.Combine(".worktrees", first);
        await Poll.UntilAsync(
            () => !LocalGit.Output(root, "worktree", "list").Contains(oldPath, StringComparison.Ordinal),
            "git worktree list no longer names the removed worktree",
            () => LocalGit.Output(root, "worktree", "list") + "\n" + p.Diagnostics());
    }

    [Fact]
    public async Task Keeps_old_worktree_until_stale_timeout_passes()
    {
        TimeSpan timeout = TimeSpan.FromSeconds(3);
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--stale-worktree-timeout=3s"));
        await WaitForHashAsync(p, link, first);

        // Started before the commit, so it never runs behind the old tree's stale clock, which
        // starts when the second commit is published (seeing the link change can come seconds
        // later on a loaded machine).
        var sinceUnpublished = Stopwatch.StartNew();
        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, second);
        string oldTree = Path.Combine(root, ".worktrees", first);
        Assert.True(File.Exists(Path.Combine(oldTree, "file")), "the old worktree must still be complete right after the switch");

        await Poll.UntilAsync(() => !Directory.Exists(oldTree), "the stale worktree is removed", p.Diagnostics);

        TimeSpan kept = sinceUnpublished.Elapsed;
        Assert.True(kept >= timeout - TimeSpan.FromMilliseconds(500), $"old worktree removed after {kept.TotalSeconds:0.00}s, before the {timeout.TotalSeconds}s timeout\n{p.Diagnostics()}");
        Layout.AssertPublished(link, second, p.Diagnostics);
    }

    [Fact]
    public async Task Keeps_stale_timer_across_restart()
    {
        TimeSpan timeout = TimeSpan.FromSeconds(5);
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();
        string[] args = Args(repo, root, "--link=link", "--period=100ms", "--stale-worktree-timeout=5s",
            $"--http-bind=127.0.0.1:{port}");

        GitSyncProcess before = Start(args);
        await WaitForHashAsync(before, link, first);
        // Started before the commit, so it never runs behind the tree's stale clock, which
        // starts when the second commit is published (seeing the link change comes later still).
        var sinceUnpublished = Stopwatch.StartNew();
        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(before, link, second);
        before.Kill();

        string oldTree = Path.Combine(root, ".worktrees", first);
        GitSyncProcess after = Start(args);
        // Ready means the restarted process finished a sync, clean-up included.
        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(port) == 200, "the restarted git-sync is ready", after.Diagnostics);
        Assert.True(sinceUnpublished.Elapsed < timeout - TimeSpan.FromMilliseconds(500), $"the restart took {sinceUnpublished.Elapsed.TotalSeconds:0.0}s, too long for this test to mean anything");
        Assert.True(Directory.Exists(oldTree), "a restart must not drop a worktree whose stale timeout has not passed\n" + after.Diagnostics());

        await Poll.UntilAsync(() => !Directory.Exists(oldTree), "the stale worktree is removed after the restart", after.Diagnostics);
        TimeSpan kept = sinceUnpublished.Elapsed;
        Assert.True(kept >= timeout - TimeSpan.FromMilliseconds(500), $"old worktree removed after {kept.TotalSeconds:0.00}s, before the {timeout.TotalSeconds}s timeout\n{after.Diagnostics()}");
        Layout.AssertPublished(link, second, after.Diagnostics);
    }

    [Fact]
    public async Task Removes_worktree_already_stale_at_restart()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess before = Start(Args(repo, root, "--link=link", "--period=100ms", "--stale-worktree-timeout=1h"));
        await WaitForHashAsync(before, link, first);
        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(before, link, second);
        before.Kill();
        Assert.Contains(first, Layout.Worktrees(root));

        // With a short timeout on restart, the leftover is stale already.
        GitSyncProcess after = await RunOnceAsync(repo, root, "--link=link", "--stale-worktree-timeout=10ms");

        Assert.Equal([second], Layout.Worktrees(root));
        Layout.AssertPublished(link, second, after.Diagnostics);
    }
}
