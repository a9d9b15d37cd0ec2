using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>--git-gc modes, --group-write and --add-user.</summary>
public sealed class HousekeepingTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Theory]
    [InlineData("auto")]
    [InlineData("always")]
    [InlineData("aggressive")]
    [InlineData("off")]
    public async Task Syncs_updates_with_each_git_gc_mode(string mode)
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        TempDir dir = NewDir("wrapper");
        GitWrapper git = GitWrapper.Create(dir);

        await RunOnceAsync(repo, root, "--link=link", "--git-gc=" + mode, "--git=" + git.Path);
        Layout.AssertPublished(link, first);
        string second = repo.Commit("file", "v2");
        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--git-gc=" + mode, "--git=" + git.Path);

        Layout.AssertPublished(link, second, p.Diagnostics);
        Assert.Equal([second], Layout.Worktrees(root));
        // An old worktree was removed, so gc ran as configured (or not at all with "off").
        List<string> gcCalls = [.. git.Invocations().Where(l => l.Split(' ').Contains("gc"))];
        switch (mode)
        {
            case "off":
                Assert.Empty(gcCalls);
                break;
            case "auto":
                Assert.Contains(gcCalls, l => l.Contains("--auto", StringComparison.Ordinal));
                break;
            case "aggressive":
                Assert.Contains(gcCalls, l => l.Contains("--aggressive", StringComparison.Ordinal));
                break;
            default:
                Assert.Contains(gcCalls, l => !l.Contains("--auto", StringComparison.Ordinal) && !l.Contains("--aggressive", StringComparison.Ordinal));
                break;
        }
    }

    [Fact]
    public async Task Makes_root_and_checkout_group_writable_with_group_write()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit(new Dictionary<string, string> { ["file"] = "v1", ["dir/nested"] = "n" });
        string root = NewDir().Combine("root");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--group-write");

        string link = Path.Combine(root, "link");
        string worktree = Layout.AssertPublished(link, head, p.Diagnostics);
        foreach (string path in new[] { root, worktree, Path.Combine(worktree, "dir"), Path.Combine(worktree, "file"), Path.Combine(worktree, "dir", "nested") })
        {
            UnixFileMode mode = File.GetUnixFileMode(path);
            Assert.True(mode.HasFlag(UnixFileMode.GroupWrite), $"{path} is not group-writable ({mode})\n{p.Diagnostics()}");
        }
    }

    [Fact]
    public async Task Runs_with_add_user_when_user_already_exists()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string passwdBefore = File.ReadAllText("/etc/passwd");

        // The test runs as a user that is in /etc/passwd, so nothing may be appended.
        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--add-user");

        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
        Assert.Equal(passwdBefore, File.ReadAllText("/etc/passwd"));
    }
}
