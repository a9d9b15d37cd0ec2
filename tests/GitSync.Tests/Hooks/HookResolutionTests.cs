using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Hooks;

/// <summary>
/// Where a hook command is found: a bare name on $PATH only, never in the worktree (whose files
/// anyone who can push controls); a name with a slash relative to the worktree.
/// </summary>
public sealed class HookResolutionTests(ITestOutputHelper output) : HookTest(output)
{
    [Theory]
    [InlineData("--exechook-command")]
    [InlineData("--pre-publish-exechook-command")]
    public async Task A_repository_file_named_like_a_path_command_never_runs(string flag)
    {
        using TestRepo repo = NewRepo();
        string marker = NewDir("out").Combine("marker");
        // An executable "true" committed in the repo, next to where the hook runs.
        WriteScript(Path.Combine(repo.Path, "true"), $"touch '{marker}'");
        string head = repo.Commit("file", "v1");
        Assert.Contains("100755", repo.Git("ls-tree", "HEAD", "true"), StringComparison.Ordinal);
        string root = NewDir().Path;

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", flag + "=true");

        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
        Assert.True(File.Exists(Path.Combine(root, "link", "true")), "the repo's file should be in the tree");
        Assert.False(File.Exists(marker), $"the repository's 'true' ran instead of /usr/bin/true\n{p.Diagnostics()}");
    }

    [Fact]
    public async Task A_bare_name_found_only_in_the_repository_is_not_run()
    {
        using TestRepo repo = NewRepo();
        string marker = NewDir("out").Combine("marker");
        WriteScript(Path.Combine(repo.Path, "reload-site"), $"touch '{marker}'");
        repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(Args(repo, root, "--link=link", "--one-time", "--exechook-command=reload-site"));

        // Published, but the hook failed: there is no "reload-site" on $PATH.
        Assert.True(p.ExitCode == 1, $"--one-time should report the failed hook\n{p.Diagnostics()}");
        Assert.False(File.Exists(marker), $"the repository's file ran\n{p.Diagnostics()}");
        Assert.Contains("reload-site", p.Stderr, StringComparison.Ordinal);
        Assert.Contains("PATH", p.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_name_with_a_slash_runs_the_repository_script()
    {
        using TestRepo repo = NewRepo();
        string marker = NewDir("out").Combine("marker");
        WriteScript(Path.Combine(repo.Path, "reload-site"), $"echo \"$GITSYNC_HASH\" > '{marker}'");
        string head = repo.Commit("file", "v1");

        GitSyncProcess p = await RunOnceAsync(repo, NewDir().Path, "--link=link", "--exechook-command=./reload-site");

        Assert.True(File.Exists(marker), $"./reload-site should run from the worktree\n{p.Diagnostics()}");
        Assert.Equal(head, File.ReadAllText(marker).Trim());
    }
}
