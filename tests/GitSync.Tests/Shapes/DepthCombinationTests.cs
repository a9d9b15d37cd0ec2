using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Shapes;

/// <summary>--depth together with submodules, and what full history costs the root over time.</summary>
public sealed class DepthCombinationTests(ITestOutputHelper output) : EndToEndTest(output)
{
    /// <summary>A superproject with <paramref name="commits"/> commits whose submodule "sub" also has <paramref name="commits"/>.</summary>
    private (TestRepo Repo, TestRepo Sub) WithHistory(int commits)
    {
        TestRepo sub = NewRepo(name: "sub");
        for (int i = 1; i <= commits; i++)
        {
            sub.Commit("submodule.file", $"sub {i}");
        }

        TestRepo repo = NewRepo();
        for (int i = 1; i < commits; i++)
        {
            repo.Commit("file", $"repo {i}");
        }

        Superproject.Add(repo, sub, "sub");
        return (repo, sub);
    }

    [Fact]
    public async Task Fetches_submodules_at_depth_one_when_they_are_shallow()
    {
        (TestRepo repo, TestRepo sub) = WithHistory(4);
        string older = sub.RevParse("HEAD~2");
        Superproject.Configure(repo, "sub", "shallow", "true");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--depth=1", SubmoduleTests.AllowFileProtocol));
        await WaitForHashAsync(p, link, repo.Head);
        AssertDepths(link, 1, 1, p);

        // Forward to a new submodule commit...
        string subHead = sub.Commit("submodule.file", "sub 5");
        await WaitForHashAsync(p, link, Superproject.Move(repo, "sub", subHead));
        Layout.AssertFile(link, "sub/submodule.file", "sub 5", p.Diagnostics);
        AssertDepths(link, 1, 1, p);

        // ... and back to one that is no branch tip.
        await WaitForHashAsync(p, link, Superproject.Move(repo, "sub", older));
        Layout.AssertFile(link, "sub/submodule.file", "sub 2", p.Diagnostics);
        AssertDepths(link, 1, 1, p);
    }

    [Fact]
    public async Task Follows_depth_changes_between_restarts_into_submodules()
    {
        (TestRepo repo, _) = WithHistory(5);
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--depth=1", SubmoduleTests.AllowFileProtocol);
        AssertDepths(link, 1, 1, p);

        // The submodule is cloned afresh with each new worktree, at the depth of that run.
        repo.Commit("file", "repo 6");
        p = await RunOnceAsync(repo, root, "--link=link", "--depth=3", SubmoduleTests.AllowFileProtocol);
        Layout.AssertPublished(link, repo.Head, p.Diagnostics);
        AssertDepths(link, 3, 3, p);

        repo.Commit("file", "repo 7");
        p = await RunOnceAsync(repo, root, "--link=link", "--depth=0", SubmoduleTests.AllowFileProtocol);
        Layout.AssertPublished(link, repo.Head, p.Diagnostics);
        AssertDepths(link, 7, 5, p);
        Assert.Equal("false", LocalGit.Output(Path.Combine(link, "sub"), "rev-parse", "--is-shallow-repository"));

        // A smaller depth shortens the history again (git's fetch --depth resets the boundary).
        repo.Commit("file", "repo 8");
        p = await RunOnceAsync(repo, root, "--link=link", "--depth=2", SubmoduleTests.AllowFileProtocol);
        Layout.AssertPublished(link, repo.Head, p.Diagnostics);
        AssertDepths(link, 2, 2, p);
    }

    [Fact]
    public async Task Keeps_no_root_reflog_with_full_history()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v0");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=10ms", "-v=3", "--depth=0"));
        await WaitForHashAsync(p, link, repo.Head);
        for (int i = 1; i <= 10; i++)
        {
            await WaitForHashAsync(p, link, repo.Commit("file", $"v{i}"));
        }

        await Idle.UntilPolledAgainAsync(p);
        Assert.Equal(11, Layout.CommitCount(link));
        // With every old commit still reachable, only expiring the reflog outright keeps it
        // from growing by two lines per update for 90 days.
        foreach (string log in new[] { "logs/HEAD", "logs/refs/heads/git-sync" })
        {
            string path = Path.Combine(root, ".git", log);
            int lines = File.Exists(path) ? File.ReadAllLines(path).Length : 0;
            Assert.True(lines <= 1, $"{log} has {lines} entries after 10 updates\n{p.Diagnostics()}");
        }
    }

    private static void AssertDepths(string link, int repoCommits, int subCommits, GitSyncProcess p)
    {
        Assert.True(Layout.CommitCount(link) == repoCommits, $"link has {Layout.CommitCount(link)} commits, expected {repoCommits}\n{p.Diagnostics()}");
        int sub = Superproject.CommitCount(Path.Combine(link, "sub"));
        Assert.True(sub == subCommits, $"submodule has {sub} commits, expected {subCommits}\n{p.Diagnostics()}");
    }
}
