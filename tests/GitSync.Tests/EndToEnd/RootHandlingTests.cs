using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>How --root is found, created, shared between repos and resolved.</summary>
public sealed class RootHandlingTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Fact]
    public async Task Creates_missing_root_and_its_parents()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "content");
        string root = NewDir().Combine("does", "not", "exist", "yet");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link");

        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
        Assert.Equal(root, LocalGit.Output(root, "rev-parse", "--show-toplevel"));
    }

    [Fact]
    public async Task Switches_repo_in_same_root()
    {
        using TestRepo first = NewRepo(name: "first");
        string firstHead = first.Commit("file", "from the first repo");
        using TestRepo second = NewRepo(name: "second");
        string secondHead = second.Commit(new Dictionary<string, string> { ["file"] = "from the second repo", ["only-in-second"] = "x" });
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        await RunOnceAsync(first, root, "--link=link");
        Layout.AssertPublished(link, firstHead);

        GitSyncProcess p = await RunOnceAsync(second, root, "--link=link");

        Layout.AssertPublished(link, secondHead, p.Diagnostics);
        Layout.AssertMatchesCommit(link, second, secondHead, p.Diagnostics);
        Assert.Equal(second.Url, LocalGit.Output(root, "remote", "get-url", "origin"));
        Assert.DoesNotContain(firstHead, Layout.Worktrees(root));
    }

    [Fact]
    public async Task Resolves_root_given_through_a_symlink()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "content");
        TempDir dir = NewDir();
        string real = dir.Combine("real-root");
        Directory.CreateDirectory(real);
        string alias = dir.Combine("alias");
        File.CreateSymbolicLink(alias, "real-root");

        GitSyncProcess p = await RunOnceAsync(repo, alias, "--link=link");

        Assert.NotNull(new FileInfo(alias).LinkTarget); // the alias itself is left alone
        Layout.AssertPublished(Path.Combine(real, "link"), head, p.Diagnostics);

        // Restarts through the alias or the real path find the same healthy root and keep its
        // repo (git reports the real path as top level; that must not look like a foreign repo).
        MarkRootRepo(real);
        GitSyncProcess viaAlias = await RunOnceAsync(repo, alias, "--link=link");
        GitSyncProcess viaReal = await RunOnceAsync(repo, real, "--link=link");
        Layout.AssertPublished(Path.Combine(real, "link"), head, viaReal.Diagnostics);
        Assert.Equal([head], Layout.Worktrees(real));
        Assert.True(IsMarked(real), "the healthy root repo was rebuilt on restart\n" + viaAlias.Diagnostics() + viaReal.Diagnostics());
    }

    [Fact]
    public async Task Keeps_healthy_root_repo_across_restarts()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        await RunOnceAsync(repo, root, "--link=link");
        MarkRootRepo(root);
        string next = repo.Commit("file", "v2");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link");

        Layout.AssertPublished(Path.Combine(root, "link"), next, p.Diagnostics);
        Assert.True(IsMarked(root), "the healthy root repo was rebuilt on restart\n" + p.Diagnostics());
    }

    /// <summary>Leaves a trace in the root repo's config that a rebuild (git init afresh) would lose.</summary>
    private static void MarkRootRepo(string root) => LocalGit.Output(root, "config", "--local", "e2e.marker", "kept");

    private static bool IsMarked(string root) => LocalGit.Run(root, "config", "--local", "e2e.marker").Stdout.Trim() == "kept";

    [Fact]
    public async Task Resolves_root_given_with_dotdot_segments()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "content");
        TempDir dir = NewDir();
        Directory.CreateDirectory(dir.Combine("elsewhere"));
        string root = dir.Combine("elsewhere", "..", "root");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link");

        string link = dir.Combine("root", "link");
        Layout.AssertPublished(link, head, p.Diagnostics);
        Assert.False(Directory.Exists(dir.Combine("elsewhere", "root")));

        MarkRootRepo(dir.Combine("root"));
        GitSyncProcess again = await RunOnceAsync(repo, root, "--link=link");
        Layout.AssertPublished(link, head, again.Diagnostics);
        Assert.True(IsMarked(dir.Combine("root")), "the healthy root repo was rebuilt on restart\n" + again.Diagnostics());
    }

    [Fact]
    public async Task Uses_its_own_repo_when_root_is_inside_another_repo()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "content");
        using TestRepo outer = NewRepo(name: "outer");
        string outerHead = outer.Commit("outer-file", "outer");
        string root = Path.Combine(outer.Path, "nested-root");
        Directory.CreateDirectory(root);

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link");

        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
        Assert.Equal(root, LocalGit.Output(root, "rev-parse", "--show-toplevel"));
        // The enclosing repo is untouched: same HEAD, no remote added.
        Assert.Equal(outerHead, outer.Head);
        Assert.Equal("", outer.Git("remote"));
    }

    [Fact]
    public async Task Rebuilds_root_whose_git_entry_is_garbage_without_replacing_the_root_directory()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "content");
        string root = NewDir().Path;
        // The root is often a mounted volume: it must be reused in place, never recreated.
        string inode = Inode(root);
        File.WriteAllText(Path.Combine(root, ".git"), "garbage: not a git dir\n");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link");

        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
        Assert.Equal(inode, Inode(root));
    }

    private static string Inode(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i", path])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        string inode = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        stat.StandardOutput.Dispose();
        return inode;
    }
}
