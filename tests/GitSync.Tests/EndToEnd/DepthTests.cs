using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>--depth: shallow by default, and changes across updates and restarts.</summary>
public sealed class DepthTests(ITestOutputHelper output) : EndToEndTest(output)
{
    private static TestRepo WithHistory(TestRepo repo, int commits)
    {
        for (int i = 1; i <= commits; i++)
        {
            repo.Commit("file", $"v{i}");
        }

        return repo;
    }

    [Fact]
    public async Task Fetches_depth_one_by_default()
    {
        using TestRepo repo = WithHistory(NewRepo(), 5);
        string root = NewDir().Path;

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link");

        string link = Path.Combine(root, "link");
        Layout.AssertPublished(link, repo.Head, p.Diagnostics);
        Assert.Equal(1, Layout.CommitCount(link));
    }

    [Fact]
    public async Task Keeps_configured_depth_across_updates()
    {
        using TestRepo repo = WithHistory(NewRepo(), 5);
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--depth=2", "--period=100ms"));
        await WaitForHashAsync(p, link, repo.Head);
        Assert.Equal(2, Layout.CommitCount(link));

        for (int update = 0; update < 2; update++)
        {
            string next = repo.Commit("file", $"update {update}");
            await WaitForHashAsync(p, link, next);
            Assert.Equal(2, Layout.CommitCount(link));
        }
    }

    [Fact]
    public async Task Keeps_default_depth_of_one_across_updates()
    {
        using TestRepo repo = WithHistory(NewRepo(), 3);
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms"));
        await WaitForHashAsync(p, link, repo.Head);
        Assert.Equal(1, Layout.CommitCount(link));

        string next = repo.Commit("file", "update");
        await WaitForHashAsync(p, link, next);
        Assert.Equal(1, Layout.CommitCount(link));
    }

    [Fact]
    public async Task Applies_new_depth_on_restart()
    {
        using TestRepo repo = WithHistory(NewRepo(), 6);
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        await RunOnceAsync(repo, root, "--link=link");
        Assert.Equal(1, Layout.CommitCount(link));

        // Deeper on restart, with the same head.
        GitSyncProcess deeper = await RunOnceAsync(repo, root, "--link=link", "--depth=3");
        Layout.AssertPublished(link, repo.Head, deeper.Diagnostics);
        Assert.Equal(3, Layout.CommitCount(link));

        // Deeper again, together with a new commit.
        string head = repo.Commit("file", "v7");
        GitSyncProcess deeperStill = await RunOnceAsync(repo, root, "--link=link", "--depth=5");
        Layout.AssertPublished(link, head, deeperStill.Diagnostics);
        Assert.Equal(5, Layout.CommitCount(link));

        // Depth 0 means the full history (unshallow).
        GitSyncProcess full = await RunOnceAsync(repo, root, "--link=link", "--depth=0");
        Layout.AssertPublished(link, head, full.Diagnostics);
        Assert.Equal(7, Layout.CommitCount(link));
        Assert.Equal("false", LocalGit.Output(link, "rev-parse", "--is-shallow-repository"));
    }

    [Fact]
    public async Task Syncs_full_history_with_depth_zero()
    {
        using TestRepo repo = WithHistory(NewRepo(), 4);
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--depth=0", "--period=100ms"));
        await WaitForHashAsync(p, link, repo.Head);
        Assert.Equal(4, Layout.CommitCount(link));

        string next = repo.Commit("file", "v5");
        await WaitForHashAsync(p, link, next);
        Assert.Equal(5, Layout.CommitCount(link));
    }
}
