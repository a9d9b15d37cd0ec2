using GitSync.Sync;
using GitSync.Tests.Infrastructure;
using Xunit;

namespace GitSync.Tests.Sync;

/// <summary>
/// When a build must not recycle (and falls back to a fresh worktree), and what a crash
/// mid-recycle leaves: never a tree that is reused or kept as a spare without its completion
/// marker.
/// </summary>
public sealed class RecyclingFallbackTests : IDisposable
{
    private readonly TestRepo _repo = TestRepo.Create();

    private string Commit(int n) => _repo.Commit(new Dictionary<string, string>
    {
        ["file"] = $"v{n}\n",
        ["keep/kept"] = $"kept {n}\n",
        ["drop/dropped"] = $"dropped {n}\n",
    });

    [Fact]
    public async Task Recycles_the_previous_tree_and_keeps_it_out_of_the_worktrees_directory()
    {
        string a = Commit(1), b = Commit(2), c = Commit(3);
        using var rig = new RecyclingRig(_repo.Path);
        await rig.PublishAsync(a);
        await rig.PublishAsync(b);
        // The old tree left .worktrees (consumers see only what is published) and waits as the spare.
        Assert.Equal([b], Layout.Worktrees(rig.Root));
        Assert.True(Directory.Exists(rig.SparePath));
        await rig.PublishAsync(c);
        Assert.Equal(1, rig.Count("recycling the spare worktree"));
        Assert.Equal([c], Layout.Worktrees(rig.Root));
        await rig.AssertLikeFreshAsync(c);
    }

    [Fact]
    public async Task Stale_tree_younger_than_the_timeout_is_never_touched()
    {
        string a = Commit(1), b = Commit(2), c = Commit(3), d = Commit(4);
        using var rig = new RecyclingRig(_repo.Path, new SyncOptions { Repo = "", Root = "", Link = "", StaleWorktreeTimeout = TimeSpan.FromHours(1) });
        await rig.PublishAsync(a);
        await rig.PublishAsync(b);
        string oldTree = rig.Worktrees.PathFor(a);
        File.WriteAllText(Path.Combine(oldTree, "a-reader-was-here"), "still reading");
        DateTime mtime = Directory.GetLastWriteTimeUtc(oldTree);

        await rig.PublishAsync(c);

        // A consumer may still be reading the unpublished tree: not recycled, not moved, not changed.
        Assert.Equal(0, rig.Count("recycling the spare worktree"));
        Assert.Contains("\"reason\":\"no spare tree\"", rig.LogText, StringComparison.Ordinal);
        Assert.Equal("still reading", File.ReadAllText(Path.Combine(oldTree, "a-reader-was-here")));
        Assert.Equal("v1\n", File.ReadAllText(Path.Combine(oldTree, "file")));
        Assert.Equal(mtime, Directory.GetLastWriteTimeUtc(oldTree));
        Assert.Equal(new[] { a, b, c }.Order(StringComparer.Ordinal), Layout.Worktrees(rig.Root));
        await rig.AssertLikeFreshAsync(c);

        // Once their timeout has passed, the newest becomes the spare and the next build recycles it.
        Directory.SetLastWriteTimeUtc(oldTree, DateTime.UtcNow.AddHours(-3));
        Directory.SetLastWriteTimeUtc(rig.Worktrees.PathFor(b), DateTime.UtcNow.AddHours(-2));
        rig.Worktrees.RemoveStale(rig.Served);
        Assert.Equal([c], Layout.Worktrees(rig.Root));
        Assert.Equal(b, File.ReadAllText(Path.Combine(rig.Root, ".git", "worktrees", "git-sync-spare", "HEAD")).Trim());
        await rig.PublishAsync(d);
        Assert.Equal(1, rig.Count("recycling the spare worktree"));
        await rig.AssertLikeFreshAsync(d);
    }

    [Fact]
    public async Task Sparse_checkout_builds_fresh_and_keeps_no_spare()
    {
        string a = Commit(1), b = Commit(2);
        using var patterns = TempDir.Create("sparse");
        string file = patterns.Combine("sparse-checkout");
        File.WriteAllText(file, "/file\n/keep/\n");
        using var rig = new RecyclingRig(_repo.Path, new SyncOptions { Repo = "", Root = "", Link = "", SparseCheckoutFile = file });
        await rig.PublishAsync(a);
        await rig.PublishAsync(b);
        Assert.Equal(0, rig.Count("recycling the spare worktree"));
        Assert.Contains("\"reason\":\"sparse checkout\"", rig.LogText, StringComparison.Ordinal);
        Assert.False(Directory.Exists(rig.SparePath));
        Assert.False(File.Exists(Path.Combine(rig.Worktrees.PathFor(b), "drop", "dropped")));
        await rig.AssertLikeFreshAsync(b);
    }

    [Fact]
    public async Task A_spare_built_sparse_is_not_recycled_into_a_full_tree()
    {
        string a = Commit(1), b = Commit(2);
        using var patterns = TempDir.Create("sparse");
        string file = patterns.Combine("sparse-checkout");
        File.WriteAllText(file, "/keep/\n");
        using var rig = new RecyclingRig(_repo.Path, new SyncOptions { Repo = "", Root = "", Link = "", SparseCheckoutFile = file });
        await rig.PublishAsync(a);

        // A restart without --sparse-checkout-file: the sparse tree retires and becomes the spare.
        var log = new MemoryStream();
        var full = new Worktrees(rig.Options with { SparseCheckoutFile = null }, rig.Git, new GitSync.Logging.Log(2, log), TimeProvider.System);
        full.MarkUnpublished(rig.Served!);
        full.RemoveStale(null);
        Assert.True(Directory.Exists(full.Recycler.SparePath));
        await full.BuildAsync(b, false, CancellationToken.None);

        string text = System.Text.Encoding.UTF8.GetString(log.ToArray());
        Assert.Contains("\"reason\":\"spare was a sparse checkout\"", text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(full.PathFor(b), "drop", "dropped")));
        using var fresh = new RecyclingRig(_repo.Path, RecyclingRig.Fresh, "reference");
        RecyclingRig.AssertSame(await fresh.PublishAsync(b), full.PathFor(b), "full tree after a sparse spare");
        await full.Recycler.DrainAsync();
    }

    [Fact]
    public async Task A_spare_with_submodules_is_not_recycled()
    {
        using TestRepo sub = TestRepo.Create(name: "sub");
        sub.Commit("subfile", "in the submodule\n");
        Commit(1);
        string a = Superproject(sub);
        string b = Commit(2);
        string c = Commit(3);
        using var rig = new RecyclingRig(_repo.Path);
        await rig.PublishAsync(a);
        Assert.Equal("in the submodule\n", File.ReadAllText(Path.Combine(rig.Worktrees.PathFor(a), "sub", "subfile")));
        await rig.PublishAsync(b);
        // The tree of a, submodule and all, is now the spare.
        await rig.PublishAsync(c);
        b = c;

        Assert.Equal(0, rig.Count("recycling the spare worktree"));
        Assert.Contains("\"reason\":\"spare has submodules\"", rig.LogText, StringComparison.Ordinal);
        Assert.Equal("in the submodule\n", File.ReadAllText(Path.Combine(rig.Worktrees.PathFor(b), "sub", "subfile")));
        Assert.True(rig.Worktrees.IsSound(rig.Worktrees.PathFor(b), b));
    }

    private string Superproject(TestRepo sub)
    {
        _repo.Git("-c", "protocol.file.allow=always", "submodule", "add", "--quiet", sub.Url, "sub");
        _repo.Git("commit", "--quiet", "-m", "add submodule");
        return _repo.Head;
    }

    [Fact]
    public async Task Spare_without_its_completion_marker_is_never_reused()
    {
        string a = Commit(1), b = Commit(2), c = Commit(3);
        using var rig = new RecyclingRig(_repo.Path);
        await rig.PublishAsync(a);
        await rig.PublishAsync(b);
        // What a kill right after a recycle began leaves: the marker gone, files half-changed.
        string metadata = Path.Combine(rig.Root, ".git", "worktrees", "git-sync-spare");
        File.Delete(Path.Combine(metadata, "git-sync-complete"));
        File.WriteAllText(Path.Combine(rig.SparePath, "file"), "half-written");

        await rig.PublishAsync(c);

        Assert.Equal(0, rig.Count("recycling the spare worktree"));
        Assert.Contains("\"reason\":\"spare is not marked complete\"", rig.LogText, StringComparison.Ordinal);
        await rig.AssertLikeFreshAsync(c);
    }

    [Fact]
    public async Task A_commit_made_inside_the_spare_makes_it_unusable()
    {
        string a = Commit(1), b = Commit(2), c = Commit(3);
        using var rig = new RecyclingRig(_repo.Path);
        await rig.PublishAsync(a);
        await rig.PublishAsync(b);
        LocalGit.Output(rig.SparePath, "commit", "--quiet", "--allow-empty", "-m", "a consumer's commit");

        await rig.PublishAsync(c);

        Assert.Equal(0, rig.Count("recycling the spare worktree"));
        Assert.Contains("\"reason\":\"spare is not marked complete\"", rig.LogText, StringComparison.Ordinal);
        await rig.AssertLikeFreshAsync(c);
    }

    [Fact]
    public async Task A_tree_killed_mid_recycle_is_neither_published_as_is_nor_kept_as_spare()
    {
        string a = Commit(1), b = Commit(2), c = Commit(3);
        using var rig = new RecyclingRig(_repo.Path);
        await rig.PublishAsync(a);
        await rig.PublishAsync(b);
        string build = rig.Worktrees.PathFor(c);
        // Killed after the spare moved to the build path and even after the checkout, but
        // before the tree was verified and marked.
        Assert.NotNull(await rig.Worktrees.Recycler.TryTakeSpareAsync(build, c, CancellationToken.None));
        LocalGit.Output(build, "reset", "--quiet", "--hard", c);
        Assert.True(rig.Worktrees.IsSound(build, c));

        // The clean-up of the process that restarts: the unmarked tree is not a spare candidate.
        var log = new MemoryStream();
        var restarted = new Worktrees(rig.Options, rig.Git, new GitSync.Logging.Log(2, log), TimeProvider.System);
        restarted.RemoveStale(rig.Served);
        Assert.False(Directory.Exists(build));
        Assert.False(Directory.Exists(restarted.Recycler.SparePath));

        // And a build of that hash starts afresh.
        await restarted.BuildAsync(c, false, CancellationToken.None);
        Assert.Contains("\"reason\":\"no spare tree\"", System.Text.Encoding.UTF8.GetString(log.ToArray()), StringComparison.Ordinal);
        using var fresh = new RecyclingRig(_repo.Path, RecyclingRig.Fresh, "reference");
        RecyclingRig.AssertSame(await fresh.PublishAsync(c), build, "rebuilt after a killed recycle");
        await restarted.Recycler.DrainAsync();
    }

    [Fact]
    public async Task Recycling_off_keeps_no_spare()
    {
        string a = Commit(1), b = Commit(2), c = Commit(3);
        using var rig = new RecyclingRig(_repo.Path, RecyclingRig.Fresh);
        await rig.PublishAsync(a);
        await rig.PublishAsync(b);
        Assert.False(Directory.Exists(rig.SparePath));
        await rig.PublishAsync(c);
        Assert.Equal(0, rig.Count("recycling the spare worktree"));
        Assert.Contains("\"reason\":\"recycling is off\"", rig.LogText, StringComparison.Ordinal);
        await rig.Worktrees.Recycler.DrainAsync();
        Assert.Empty(Directory.Exists(Path.Combine(rig.Root, ".git", "git-sync-trash")) ? Directory.GetFileSystemEntries(Path.Combine(rig.Root, ".git", "git-sync-trash")) : []);
    }

    public void Dispose() => _repo.Dispose();
}
