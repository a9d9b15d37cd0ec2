using GitSync.Sync;
using GitSync.Tests.Infrastructure;
using Xunit;

namespace GitSync.Tests.Sync;

/// <summary>
/// Which way a spare is brought to the next commit: by its changes only when it was proven to
/// be exactly its commit and nothing has changed in it since, in full (reset and clean) in every
/// other case; both give what a fresh checkout gives.
/// </summary>
public sealed class SpareProofTests : IDisposable
{
    private readonly TestRepo _repo = TestRepo.Create();

    private string Commit(int n) => _repo.Commit(new Dictionary<string, string>
    {
        [".gitignore"] = "*.log\n",
        ["file"] = $"v{n}\n",
        ["same"] = "same\n",
        ["dir/nested"] = $"nested {n}\n",
        [$"only-in-{n}/x"] = "x\n",
    });

    private static async Task AssertLikeFreshAsync(RecyclingRig rig, string hash)
    {
        await rig.AssertLikeFreshAsync(hash);
        // The index agrees with the files too: the next recycle relies on its stat data.
        Assert.Equal("", LocalGit.Output(rig.Worktrees.PathFor(hash), "status", "--porcelain", "--ignored", "--untracked-files=all"));
    }

    [Fact]
    public async Task A_spare_nobody_touched_is_updated_by_its_changes_only()
    {
        string a = Commit(1), b = Commit(2), c = Commit(3);
        using var rig = new RecyclingRig(_repo.Path);
        await rig.PublishAsync(a);
        await rig.PublishAsync(b);
        Assert.Equal(1, rig.Count("spare worktree is clean"));

        await rig.PublishAsync(c);

        Assert.Equal(1, rig.Recycles("changes only"));
        Assert.Equal(0, rig.Recycles("full"));
        await AssertLikeFreshAsync(rig, c);
        // The tree it replaced went out of sight and was proven in turn.
        Assert.Equal(2, rig.Count("spare worktree is clean"));
    }

    [Theory]
    [InlineData("plant")]
    [InlineData("edit")]
    [InlineData("chmod")]
    [InlineData("delete")]
    [InlineData("stage")]
    public async Task A_spare_written_into_after_its_proof_gets_a_full_update(string write)
    {
        string a = Commit(1), b = Commit(2), c = Commit(3);
        using var rig = new RecyclingRig(_repo.Path);
        await rig.PublishAsync(a);
        await rig.PublishAsync(b);
        Assert.Equal(1, rig.Count("spare worktree is clean"));

        // A writer that kept its way into the retired tree (an open directory, a late hook).
        string spare = rig.SparePath;
        switch (write)
        {
            case "plant":
                File.WriteAllText(Path.Combine(spare, "dir", "planted"), "planted");
                break;
            case "edit":
                // Same size, other bytes, old mtime: only the watch (or ctime) can tell.
                var mtime = File.GetLastWriteTimeUtc(Path.Combine(spare, "same"));
                File.WriteAllText(Path.Combine(spare, "same"), "SAME\n");
                File.SetLastWriteTimeUtc(Path.Combine(spare, "same"), mtime);
                break;
            case "chmod":
                File.SetUnixFileMode(Path.Combine(spare, "same"), File.GetUnixFileMode(Path.Combine(spare, "same")) | UnixFileMode.UserExecute);
                break;
            case "delete":
                File.Delete(Path.Combine(spare, "dir", "nested"));
                break;
            case "stage":
                File.WriteAllText(Path.Combine(spare, "same"), "staged\n");
                LocalGit.Output(spare, "add", "same");
                break;
        }

        await rig.PublishAsync(c);

        Assert.Equal(0, rig.Recycles("changes only"));
        Assert.Equal(1, rig.Recycles("full"));
        await AssertLikeFreshAsync(rig, c);
    }

    [Theory]
    [InlineData("ignored", "it holds untracked or ignored files")]
    [InlineData("untracked", "it holds untracked or ignored files")]
    [InlineData("empty dir", "it holds untracked or ignored files")]
    [InlineData("edit", "tracked files were changed")]
    [InlineData("stage", "its index differs from its commit")]
    public async Task A_tree_left_dirty_while_served_is_not_proven_and_gets_a_full_update(string write, string reason)
    {
        string a = Commit(1), b = Commit(2), c = Commit(3);
        using var rig = new RecyclingRig(_repo.Path);
        await rig.PublishAsync(a);
        // Hooks and consumers write into the served tree; it becomes the spare at the next publish.
        string served = rig.Served!;
        switch (write)
        {
            case "ignored":
                File.WriteAllText(Path.Combine(served, "consumer.log"), "log");
                break;
            case "untracked":
                File.WriteAllText(Path.Combine(served, "dir", "hook-output"), "out");
                break;
            case "empty dir":
                Directory.CreateDirectory(Path.Combine(served, "cache"));
                break;
            case "edit":
                File.AppendAllText(Path.Combine(served, "same"), "more\n");
                break;
            case "stage":
                File.WriteAllText(Path.Combine(served, "same"), "staged\n");
                LocalGit.Output(served, "add", "same");
                break;
        }
        await rig.PublishAsync(b);
        Assert.Equal(0, rig.Count("spare worktree is clean"));
        Assert.Contains($"\"reason\":\"{reason}\"", rig.LogText, StringComparison.Ordinal);

        await rig.PublishAsync(c);

        Assert.Equal(1, rig.Recycles("full"));
        await AssertLikeFreshAsync(rig, c);
    }

    [Fact]
    public async Task A_spare_is_checked_once_not_at_every_clean_up()
    {
        string a = Commit(1), b = Commit(2);
        using var rig = new RecyclingRig(_repo.Path);
        await rig.PublishAsync(a);
        await rig.PublishAsync(b);
        // Unchanged polls clean up too: they must not start git for a spare already checked.
        for (int i = 0; i < 3; i++)
        {
            rig.Worktrees.RemoveStale(rig.Served);
            await rig.Worktrees.Recycler.ProveSpareInBackground(rig.Git, CancellationToken.None);
        }
        Assert.Equal(1, rig.Count("spare worktree is clean"));
        Assert.Equal(0, rig.Count("spare worktree needs a full update"));
    }

    /// <summary>A rig whose spare (2,000 files more, freshly checked out, so its first check takes a while) has just retired; returns the next commit.</summary>
    private async Task<(RecyclingRig Rig, string Next)> RetiredBigSpareAsync()
    {
        var many = Enumerable.Range(0, 2000).ToDictionary(i => $"bulk/{i % 20}/f{i}", i => $"content {i}\n");
        _repo.Commit(many);
        string a = Commit(1), b = Commit(2), c = Commit(3);
        var rig = new RecyclingRig(_repo.Path);
        await rig.PublishAsync(a);
        string served = await rig.Worktrees.BuildAsync(b, replacingServedTree: false, CancellationToken.None);
        rig.Worktrees.MarkUnpublished(rig.Served!);
        rig.Worktrees.RemoveStale(served);
        return (rig, c);
    }

    [Fact]
    public async Task A_build_that_comes_while_the_spare_is_being_checked_lets_the_check_finish_and_uses_it()
    {
        var (rig, c) = await RetiredBigSpareAsync();
        using var _ = rig;
        // As the loop does: the check runs in the background, and the next build comes at once.
        Task check = rig.Worktrees.Recycler.ProveSpareInBackground(rig.Git, CancellationToken.None);
        await rig.Worktrees.BuildAsync(c, replacingServedTree: false, CancellationToken.None);

        Assert.True(check.IsCompleted);
        Assert.Equal(1, rig.Count("spare worktree is clean"));
        Assert.Equal(1, rig.Recycles("changes only"));
        await AssertLikeFreshAsync(rig, c);
    }

    [Fact]
    public async Task A_build_whose_deadline_ends_while_the_spare_is_checked_stops_the_check_and_the_next_sync_recycles_the_spare()
    {
        var (rig, c) = await RetiredBigSpareAsync();
        using var _ = rig;
        Task check = rig.Worktrees.Recycler.ProveSpareInBackground(rig.Git, CancellationToken.None);
        string build = rig.Worktrees.PathFor(c);
        try
        {
            // The sync's deadline has passed: the take must not wait for the check.
            await rig.Worktrees.Recycler.TryTakeSpareAsync(build, c, new CancellationToken(canceled: true));
            // (On a fast machine the check may already be over: then the take went ahead.)
            Assert.True(check.IsCompleted);
            Assert.True(Directory.Exists(build));
            return;
        }
        catch (OperationCanceledException)
        {
        }
        Assert.True(check.IsCompleted);
        Assert.True(Directory.Exists(rig.SparePath));
        // The sync failed; the loop's next one starts with the full check of the root, which
        // removes what a killed git left (a refresh killed mid-write leaves index.lock).
        rig.Worktrees.Recycler.StopSpareCheck();
        await new RootRepository(rig.Options, rig.Git, new GitSync.Logging.Log(0, Stream.Null)).EnsureHealthyAsync(CancellationToken.None);
        Assert.False(File.Exists(Path.Combine(rig.Root, ".git", "worktrees", "git-sync-spare", "index.lock")));
        // The next attempt still recycles the spare (in full: its check was stopped).
        await rig.Worktrees.BuildAsync(c, replacingServedTree: false, CancellationToken.None);
        Assert.Equal(1, rig.Recycles("full"));
        Assert.Equal(0, rig.Count("recycling the spare worktree failed, building a fresh one"));
        await AssertLikeFreshAsync(rig, c);
    }

    public void Dispose() => _repo.Dispose();
}
