using System.Diagnostics;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>
/// <c>--publish=copy</c> and <c>--marker-file</c> through the binary: the copy is real files a
/// plain <c>cp -r</c> reproduces, a root switches between link and copy (a directory git-sync
/// did not publish is refused), a refused revision leaves copy and marker alone. The watcher
/// test is <see cref="MarkerWatcherTests"/>.
/// </summary>
public sealed class CopyModeTests(ITestOutputHelper output) : EndToEndTest(output)
{
    private static string Marker(string path) => File.Exists(path) ? File.ReadAllLines(path)[0] : "";

    private static void CommitTree(TestRepo repo, string message)
    {
        string bin = Path.Combine(repo.Path, "bin");
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "run.sh"), "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(Path.Combine(bin, "run.sh"), (UnixFileMode)0x1ED);
        File.CreateSymbolicLink(Path.Combine(repo.Path, "docs-link"), "docs/guide");
        repo.Commit(new Dictionary<string, string>
        {
            ["index.html"] = "<h1>hello</h1>\n",
            ["docs/guide/intro.md"] = "# intro\n",
            ["docs/guide/deep/er/file.txt"] = "deep\n",
        }, message);
    }

    [Fact]
    public async Task One_time_copy_is_real_files_that_cp_r_reproduces_equal_to_the_commit()
    {
        using TestRepo repo = NewRepo();
        CommitTree(repo, "tree");
        string head = repo.Head;
        string root = NewDir().Path;
        string site = Path.Combine(root, "site");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=site", "--publish=copy", "--marker-file=published");

        Assert.True(CopyLayout.DifferenceFromCommit(site, repo, head) is not { } problem, $"{CopyLayout.DifferenceFromCommit(site, repo, head)}\n{p.Diagnostics()}");
        Assert.Equal(head, Marker(Path.Combine(root, "published")));
        // What an image builder does: copy the directory without following links.
        string copy = Path.Combine(NewDir("cp").Path, "copy");
        var cp = Process.Start(new ProcessStartInfo("cp", ["-r", site, copy]) { UseShellExecute = false })!;
        await cp.WaitForExitAsync();
        Assert.Equal(0, cp.ExitCode);
        string? difference = CopyLayout.DifferenceFromCommit(copy, repo, head);
        Assert.True(difference is null, difference);
        // The repository and its worktree stay under the root, outside the copy.
        Assert.True(Directory.Exists(Path.Combine(root, ".worktrees", head)));
    }

    [Fact]
    public async Task A_root_switches_from_link_to_copy_and_back()
    {
        using TestRepo repo = NewRepo();
        CommitTree(repo, "one");
        string root = NewDir().Path;
        string site = Path.Combine(root, "site");
        string journal = Path.Combine(root, ".site.git-sync-publish");

        await RunOnceAsync(repo, root, "--link=site");
        string first = repo.Head;
        Layout.AssertPublished(site, first);

        string second = repo.Commit("index.html", "<h1>two</h1>\n");
        GitSyncProcess copy = await RunOnceAsync(repo, root, "--link=site", "--publish=copy");
        Assert.True(CopyLayout.DifferenceFromCommit(site, repo, second) is null, CopyLayout.DifferenceFromCommit(site, repo, second) + "\n" + copy.Diagnostics());
        Assert.True(File.Exists(journal));

        string third = repo.Commit("index.html", "<h1>three</h1>\n");
        GitSyncProcess back = await RunOnceAsync(repo, root, "--link=site");
        Layout.AssertPublished(site, third, back.Diagnostics);
        Assert.False(File.Exists(journal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(root, ".site.git-sync-switch-*"));
    }

    [Theory]
    [InlineData("copy", "non-empty directory git-sync did not publish")]
    [InlineData("link", "is an existing directory, and git-sync can only replace a symlink there")]
    public async Task A_directory_git_sync_did_not_publish_is_refused_with_one_line(string mode, string message)
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "content");
        string root = NewDir().Path;
        string site = Path.Combine(root, "site");
        Directory.CreateDirectory(site);
        File.WriteAllText(Path.Combine(site, "precious"), "user data");

        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time", "--link=site", "--publish=" + mode));

        Assert.NotEqual(0, p.ExitCode);
        Assert.Contains(message, p.Stderr, StringComparison.Ordinal);
        // Either mode says what to do about it, in the same line.
        Assert.Contains(mode == "link" ? "remove the directory, or empty it and start with --publish=copy" : "empty it", p.Stderr, StringComparison.Ordinal);
        Assert.Single(p.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains(message, StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", p.Stderr, StringComparison.Ordinal);
        Assert.Equal("user data", File.ReadAllText(Path.Combine(site, "precious")));
    }

    [Fact]
    public async Task Copy_into_an_empty_directory_such_as_a_mount_point_is_accepted()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "content");
        string root = NewDir().Path;
        string site = Path.Combine(root, "site");
        Directory.CreateDirectory(site);

        await RunOnceAsync(repo, root, "--link=site", "--publish=copy");

        Assert.True(CopyLayout.DifferenceFromCommit(site, repo, repo.Head) is null, CopyLayout.DifferenceFromCommit(site, repo, repo.Head));
    }

    [Fact]
    public async Task A_refused_revision_leaves_the_copy_and_the_marker_on_the_old_one()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("gate", "open");
        string first = repo.Head;
        string root = NewDir().Path;
        string site = Path.Combine(root, "site");
        string marker = Path.Combine(root, "published");
        // The gate runs in the new worktree and passes while the file "gate" starts with "open".
        string hook = Path.Combine(NewDir("hook").Path, "gate.sh");
        File.WriteAllText(hook, "#!/bin/sh\ngrep -q '^open' gate\n");
        File.SetUnixFileMode(hook, (UnixFileMode)0x1ED);
        GitSyncProcess p = Start(Args(repo, root, "--link=site", "--publish=copy", "--marker-file=published", "--period=50ms",
            "--pre-publish-exechook-command=" + hook, "--pre-publish-exechook-backoff=1s"));
        await Poll.UntilAsync(() => Marker(marker) == first, "the first publish", p.Diagnostics);

        string refused = repo.Commit("gate", "closed");
        await Poll.UntilAsync(() => p.Stderr.Contains("pre-publish hook failed", StringComparison.Ordinal), "the hook refuses", p.Diagnostics);

        Assert.Equal(first, Marker(marker));
        Assert.True(CopyLayout.DifferenceFromCommit(site, repo, first) is null, CopyLayout.DifferenceFromCommit(site, repo, first));
        string accepted = repo.Commit("gate", "open again");
        await Poll.UntilAsync(() => Marker(marker) == accepted, "the next accepted publish", p.Diagnostics);
        Assert.True(CopyLayout.DifferenceFromCommit(site, repo, accepted) is null, CopyLayout.DifferenceFromCommit(site, repo, accepted));
        Assert.NotEqual(refused, accepted);
    }
}
