using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>v3 manifests (single-dash long flags, deprecated flags and env) and v3 on-disk layouts.</summary>
public sealed class V3CompatibilityTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Fact]
    public async Task Runs_v3_argument_list_unchanged()
    {
        using TestRepo repo = NewRepo(branch: "master");
        string head = repo.Commit("index.html", "<h1>v1</h1>");
        string root = NewDir().Path;
        string link = Path.Combine(root, "html");

        // Exactly the list from a real v3 manifest (a forever sync).
        GitSyncProcess p = Start(["-ssh", "-repo=" + repo.Url, "-root=" + root, "-dest=html", "-branch=master", "-depth=1"]);
        await WaitForHashAsync(p, link, head);

        Layout.AssertPublished(link, head, p.Diagnostics);
        Layout.AssertFile(link, "index.html", "<h1>v1</h1>");
        Assert.Equal(1, Layout.CommitCount(link));
        Assert.True(p.Stderr.Contains("deprecat", StringComparison.OrdinalIgnoreCase),
            "deprecated flags should be warned about\n" + p.Diagnostics());
        Assert.False(p.HasExited, p.Diagnostics());
    }

    [Fact]
    public async Task Accepts_deprecated_flags_with_their_v3_value_formats()
    {
        using TestRepo repo = NewRepo(branch: "master");
        repo.Commit("file", "master");
        repo.Checkout("release", create: true);
        string head = repo.Commit("file", "release");
        string root = NewDir().Path;

        // --wait takes float seconds, --timeout integer seconds, --v a level.
        GitSyncProcess p = await RunAsync([
            "--repo=" + repo.Url, "--root=" + root, "--one-time", "--branch=release", "--rev=HEAD", "--dest=out",
            "--wait=0.1", "--timeout=30", "--max-sync-failures=1", "--v=2"]);

        Assert.True(p.ExitCode == 0, p.Diagnostics());
        Layout.AssertPublished(Path.Combine(root, "out"), head, p.Diagnostics);
    }

    [Fact]
    public async Task Reads_deprecated_GIT_SYNC_environment()
    {
        using TestRepo repo = NewRepo(branch: "master");
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync([], new Dictionary<string, string?>
        {
            ["GIT_SYNC_REPO"] = repo.Url,
            ["GIT_SYNC_ROOT"] = root,
            ["GIT_SYNC_DEST"] = "v3-link",
            ["GIT_SYNC_BRANCH"] = "master",
            ["GIT_SYNC_ONE_TIME"] = "true",
        });

        Assert.True(p.ExitCode == 0, p.Diagnostics());
        Layout.AssertPublished(Path.Combine(root, "v3-link"), head, p.Diagnostics);
    }

    [Fact]
    public async Task Lets_deprecated_environment_win_over_its_replacement()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time"), new Dictionary<string, string?>
        {
            ["GITSYNC_LINK"] = "new-name",
            ["GIT_SYNC_DEST"] = "old-name",
        });

        Assert.True(p.ExitCode == 0, p.Diagnostics());
        Layout.AssertPublished(Path.Combine(root, "old-name"), head, p.Diagnostics);
        Assert.True(Layout.IsAbsent(Path.Combine(root, "new-name")));
    }

    [Fact]
    public async Task Lets_deprecated_flag_win_over_its_replacement()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=new-name", "--dest=old-name");

        Layout.AssertPublished(Path.Combine(root, "old-name"), head, p.Diagnostics);
        Assert.True(Layout.IsAbsent(Path.Combine(root, "new-name")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("rev-")]
    public async Task Upgrades_v3_layout_in_place(string dirPrefix)
    {
        using TestRepo repo = NewRepo(branch: "master");
        string head = repo.Commit(new Dictionary<string, string> { ["file"] = "v1", ["dir/nested"] = "n" });
        string root = NewDir().Path;
        // What git-sync v3 left: the repo in the root, a worktree directly under it, and the link.
        LocalGit.Output(root, "init", "--quiet");
        LocalGit.Output(root, "fetch", "--quiet", "--depth=1", repo.Url, "master");
        string oldDir = Path.Combine(root, dirPrefix + head);
        LocalGit.Output(root, "worktree", "add", "--quiet", "--detach", oldDir, head);
        string link = Path.Combine(root, "link");
        File.CreateSymbolicLink(link, dirPrefix + head);
        Layout.AssertFile(link, "file", "v1");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--ref=master");

        Layout.AssertPublished(link, head, p.Diagnostics);
        Assert.Equal(Path.Combine(".worktrees", head), Layout.TargetOf(link));
        Layout.AssertMatchesCommit(link, repo, head, p.Diagnostics);
        Assert.False(Directory.Exists(oldDir), $"the v3 worktree {oldDir} should be removed\n{p.Diagnostics()}");
    }

    [Fact]
    public async Task Upgrades_v3_layout_and_moves_to_a_new_commit()
    {
        using TestRepo repo = NewRepo(branch: "master");
        string old = repo.Commit("file", "v1");
        string root = NewDir().Path;
        LocalGit.Output(root, "init", "--quiet");
        LocalGit.Output(root, "fetch", "--quiet", "--depth=1", repo.Url, "master");
        string oldDir = Path.Combine(root, "rev-" + old);
        LocalGit.Output(root, "worktree", "add", "--quiet", "--detach", oldDir, old);
        string link = Path.Combine(root, "link");
        File.CreateSymbolicLink(link, "rev-" + old);
        string head = repo.Commit("file", "v2");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--ref=master");

        Layout.AssertPublished(link, head, p.Diagnostics);
        Layout.AssertFile(link, "file", "v2");
        Assert.False(Directory.Exists(oldDir), $"the v3 worktree {oldDir} should be removed\n{p.Diagnostics()}");
    }
}
