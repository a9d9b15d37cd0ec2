using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Shapes;

/// <summary>
/// --filter (partial clone): alone, with sparse checkout, with depth, across updates and
/// restarts, and the root's size over many updates.
/// </summary>
public sealed class PartialCloneTests(ITestOutputHelper output) : EndToEndTest(output)
{
    /// <summary>A source repository whose server side honours filters (git's upload-pack ignores them otherwise, and the test would prove nothing).</summary>
    private TestRepo FilteringRepo()
    {
        TestRepo repo = NewRepo();
        repo.Git("config", "uploadpack.allowFilter", "true");
        return repo;
    }

    /// <summary>Objects the root knows of but does not have (left out by the filter), by <c>rev-list --missing=print</c>, which never fetches.</summary>
    internal static IReadOnlySet<string> MissingObjects(string root) =>
        LocalGit.Output(root, "rev-list", "--objects", "--all", "--missing=print")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith('?'))
            .Select(l => l[1..].Trim())
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The blob id of <paramref name="file"/> at <paramref name="commit"/>.</summary>
    private static string Blob(TestRepo repo, string commit, string file) => repo.RevParse($"{commit}:{file}");

    private static void AssertPartial(string root, string filter, Func<string> context)
    {
        Assert.True(LocalGit.Output(root, "config", "--get", "remote.origin.promisor") == "true", "the root is not a partial clone of origin\n" + context());
        Assert.Equal(filter, LocalGit.Output(root, "config", "--get", "remote.origin.partialclonefilter"));
    }

    [Theory]
    [InlineData("blob:none")]
    [InlineData("tree:0")]
    public async Task Syncs_updates_with_a_filter(string filter)
    {
        using TestRepo repo = FilteringRepo();
        string head = repo.Commit(new Dictionary<string, string> { ["file"] = "v1", ["dir/nested"] = "n1", ["other"] = "o1" });
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--filter=" + filter));
        await WaitForHashAsync(p, link, head);
        Layout.AssertMatchesCommit(link, repo, head, p.Diagnostics);
        AssertPartial(root, filter, p.Diagnostics);

        for (int i = 2; i <= 4; i++)
        {
            head = repo.Commit(new Dictionary<string, string> { ["file"] = $"v{i}", ["dir/nested"] = $"n{i}" });
            await WaitForHashAsync(p, link, head);
            Layout.AssertMatchesCommit(link, repo, head, p.Diagnostics);
        }

        Assert.Equal("", LocalGit.Output(link, "status", "--porcelain"));
        GitResult fsck = LocalGit.Run(root, "fsck", "--connectivity-only");
        Assert.True(fsck.Succeeded, "fsck of the root failed: " + LocalGit.Describe(fsck));
    }

    [Fact]
    public async Task Fetches_only_the_sparse_paths_blobs_with_blob_none_and_sparse_checkout()
    {
        using TestRepo repo = FilteringRepo();
        string first = repo.Commit(new Dictionary<string, string> { ["file"] = "f1", ["big/data"] = "d1", ["dags/a.py"] = "a1" });
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string sparse = NewDir("sparse").Combine("sparse-checkout");
        File.WriteAllLines(sparse, ["/dags/"]);

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "-v=3", "--filter=blob:none", "--sparse-checkout-file=" + sparse));
        await WaitForHashAsync(p, link, first);
        Assert.Equal(["dags/a.py"], SparseCheckoutTests.FilesIn(link));

        // Across an update (and the gc after it) the blobs outside the sparse folder are never fetched.
        string second = repo.Commit(new Dictionary<string, string> { ["big/data"] = "d2", ["dags/a.py"] = "a2" });
        await WaitForHashAsync(p, link, second);
        Assert.Equal(["dags/a.py"], SparseCheckoutTests.FilesIn(link));
        Layout.AssertFile(link, "dags/a.py", "a2", p.Diagnostics);
        await Idle.UntilPolledAgainAsync(p);
        IReadOnlySet<string> missing = MissingObjects(root);
        Assert.Contains(Blob(repo, second, "big/data"), missing);
        Assert.Contains(Blob(repo, second, "file"), missing);
        Assert.DoesNotContain(Blob(repo, second, "dags/a.py"), missing);
    }

    [Fact]
    public async Task Keeps_depth_with_a_filter_across_updates()
    {
        using TestRepo repo = FilteringRepo();
        for (int i = 1; i <= 5; i++)
        {
            repo.Commit("file", $"v{i}");
        }

        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--depth=3", "--filter=blob:none"));
        await WaitForHashAsync(p, link, repo.Head);
        Assert.Equal(3, Layout.CommitCount(link));
        // The older revisions' contents were filtered out; only the checked-out one was fetched.
        Assert.Contains(Blob(repo, "HEAD~1", "file"), MissingObjects(root));

        string next = repo.Commit("file", "v6");
        await WaitForHashAsync(p, link, next);
        Assert.Equal(3, Layout.CommitCount(link));
        Layout.AssertFile(link, "file", "v6", p.Diagnostics);
        Assert.Contains(Blob(repo, "HEAD~2", "file"), MissingObjects(root));
    }

    [Fact]
    public async Task Unshallows_a_filtered_root_with_depth_zero()
    {
        using TestRepo repo = FilteringRepo();
        for (int i = 1; i <= 4; i++)
        {
            repo.Commit("file", $"v{i}");
        }

        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        await RunOnceAsync(repo, root, "--link=link", "--filter=blob:none");
        Assert.Equal(1, Layout.CommitCount(link));

        string head = repo.Commit("file", "v5");
        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--filter=blob:none", "--depth=0");

        Layout.AssertPublished(link, head, p.Diagnostics);
        Assert.Equal(5, Layout.CommitCount(link));
        Assert.Equal("false", LocalGit.Output(root, "rev-parse", "--is-shallow-repository"));
        // Still partial: the history came without its old contents.
        Assert.Contains(Blob(repo, "HEAD~3", "file"), MissingObjects(root));
        AssertPartial(root, "blob:none", p.Diagnostics);
    }

    [Fact]
    public async Task Adds_and_drops_the_filter_between_restarts()
    {
        using TestRepo repo = FilteringRepo();
        repo.Commit(new Dictionary<string, string> { ["file"] = "v1", ["other"] = "o1" });
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        await RunOnceAsync(repo, root, "--link=link");
        foreach (string[] extra in new[] { new[] { "--filter=blob:none" }, [], ["--filter=tree:0"], [] })
        {
            string head = repo.Commit("file", "after " + string.Join(' ', extra));
            GitSyncProcess p = await RunOnceAsync(repo, root, ["--link=link", .. extra]);
            Layout.AssertPublished(link, head, p.Diagnostics);
            Layout.AssertMatchesCommit(link, repo, head, p.Diagnostics);
        }

        GitResult fsck = LocalGit.Run(root, "fsck", "--connectivity-only");
        Assert.True(fsck.Succeeded, "fsck of the root failed: " + LocalGit.Describe(fsck));
    }

    [Theory]
    [InlineData("blob:none")]
    [InlineData("tree:0")]
    public async Task Keeps_a_filtered_root_from_growing_across_updates(string filter)
    {
        using TestRepo repo = FilteringRepo();
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        repo.Commit(new Dictionary<string, string> { ["data"] = RandomText(), ["small"] = "s" });

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=10ms", "-v=3", "--filter=" + filter));
        await WaitForHashAsync(p, link, repo.Head);
        for (int i = 0; i < 25; i++)
        {
            await WaitForHashAsync(p, link, repo.Commit("data", RandomText()));
        }

        await Idle.UntilPolledAgainAsync(p);
        Assert.Single(Layout.Worktrees(root));
        // git's own gc keeps every object of a promisor pack; git-sync drops the unreachable
        // ones after it. One revision is a commit, a tree and two blobs; the recycling spare (the
        // previous tree, kept to be updated in place) may keep one more commit, tree and blob.
        GitObjects objects = GitObjects.Count(root);
        Assert.True(objects.Total <= 6 + 3, $"{objects} after 25 updates: old revisions were kept\n{p.Diagnostics()}");
        // The served commit, and the spare's while the spare is kept.
        string[] shallow = File.ReadAllLines(Path.Combine(root, ".git", "shallow"));
        Assert.True(shallow.Length is 1 or 2, $"{shallow.Length} shallow boundaries after 25 updates");
        Assert.Contains(repo.Head, shallow);
        Layout.AssertMatchesCommit(link, repo, repo.Head, p.Diagnostics);
        GitResult fsck = LocalGit.Run(root, "fsck", "--connectivity-only");
        Assert.True(fsck.Succeeded, "fsck of the root failed: " + LocalGit.Describe(fsck));
    }

    /// <summary>8 KiB of incompressible text: each revision's blob is new and costs real space.</summary>
    internal static string RandomText(int bytes = 8192) => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes * 3 / 4));
}
