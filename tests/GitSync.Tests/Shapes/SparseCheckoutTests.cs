using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Shapes;

/// <summary>--sparse-checkout-file: which files a worktree gets, and when a change to it applies.</summary>
public sealed class SparseCheckoutTests(ITestOutputHelper output) : EndToEndTest(output)
{
    private static readonly Dictionary<string, string> Tree = new()
    {
        ["file"] = "file 1",
        ["file2"] = "file2 1",
        ["dir/file3"] = "file3 1",
        ["dags/a.py"] = "a 1",
        ["dags/sub/b.py"] = "b 1",
    };

    /// <summary>Paths of the files in a checkout (relative, sorted), without git's metadata.</summary>
    internal static IReadOnlyList<string> FilesIn(string link)
    {
        string tree = Layout.ResolvedTarget(link) ?? link;
        return [.. Directory.EnumerateFiles(tree, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(tree, f))
            .Where(f => f != ".git" && !f.StartsWith(".git/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
    }

    private string SparseFile(params string[] lines)
    {
        string path = NewDir("sparse").Combine("sparse-checkout");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public async Task Checks_out_only_the_paths_the_file_lists()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit(Tree);
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        // Upstream's own case: exclude everything at the top, then include file2.
        string sparse = SparseFile("!/*", "!/*/", "file2");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--sparse-checkout-file=" + sparse);

        Layout.AssertPublished(link, head, p.Diagnostics);
        Assert.Equal(["file2"], FilesIn(link));
        Layout.AssertFile(link, "file2", "file2 1", p.Diagnostics);
    }

    [Fact]
    public async Task Checks_out_one_folder_with_a_simple_pattern()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit(Tree);
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--sparse-checkout-file=" + SparseFile("/dags/"));

        Layout.AssertPublished(link, head, p.Diagnostics);
        Assert.Equal(["dags/a.py", "dags/sub/b.py"], FilesIn(link));
        // The tree is a normal checkout otherwise: git sees no changes in it.
        Assert.Equal("", LocalGit.Output(link, "status", "--porcelain"));
    }

    [Fact]
    public async Task Applies_a_changed_file_to_the_next_new_worktree()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit(Tree);
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string sparse = SparseFile("/file2");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--sparse-checkout-file=" + sparse));
        await WaitForHashAsync(p, link, first);
        Assert.Equal(["file2"], FilesIn(link));

        // The file is read each time a worktree is built: the next revision gets the new list.
        File.WriteAllLines(sparse, ["/file2", "/dir/"]);
        string second = repo.Commit("file2", "file2 2");
        await WaitForHashAsync(p, link, second);
        Assert.Equal(["dir/file3", "file2"], FilesIn(link));
        Layout.AssertFile(link, "file2", "file2 2", p.Diagnostics);
    }

    [Fact]
    public async Task Drops_sparse_configuration_when_the_flag_is_removed()
    {
        using TestRepo repo = NewRepo();
        repo.Commit(Tree);
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        await RunOnceAsync(repo, root, "--link=link", "--sparse-checkout-file=" + SparseFile("/file2"));
        Assert.Equal(["file2"], FilesIn(link));
        Assert.Equal("true", LocalGit.Output(link, "config", "--get", "core.sparseCheckout"));

        string second = repo.Commit("file", "file 2");
        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link");

        Layout.AssertPublished(link, second, p.Diagnostics);
        Layout.AssertMatchesCommit(link, repo, second, p.Diagnostics);
        GitResult sparse = LocalGit.Run(link, "config", "--get", "core.sparseCheckout");
        Assert.True(sparse.Stdout.Trim() is "" or "false", $"core.sparseCheckout is still '{sparse.Stdout.Trim()}' in the new worktree");
    }

    [Fact]
    public async Task Checks_out_a_submodule_inside_the_sparse_folder()
    {
        TestRepo sub = NewRepo(name: "sub");
        sub.Commit("submodule.file", "sub 1");
        using TestRepo repo = NewRepo();
        repo.Commit(Tree);
        // .gitmodules lies outside the sparse folder; the submodule inside it.
        string head = Superproject.Add(repo, sub, "dags/lib");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--sparse-checkout-file=" + SparseFile("/dags/"), SubmoduleTests.AllowFileProtocol);

        Layout.AssertPublished(link, head, p.Diagnostics);
        Assert.Equal(["dags/a.py", "dags/lib/submodule.file", "dags/sub/b.py"], FilesIn(link).Where(f => !f.EndsWith("/.git", StringComparison.Ordinal)));
    }
}
