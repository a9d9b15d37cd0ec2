using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Shapes;

/// <summary>
/// --git-gc=auto|always|aggressive|off measured by what is left in the root: object counts
/// (<c>git count-objects -v</c>) and disk use (<c>du</c>) after 200 updates. One class per mode,
/// so the four long runs may run side by side instead of one after another at the suite's end.
/// </summary>
public abstract class GitGcTest(ITestOutputHelper output) : EndToEndTest(output)
{
    private const int Updates = 200;

    protected async Task Keeps_root_disk_use_bounded_over_200_updates(string mode)
    {
        using TestRepo repo = NewRepo();
        repo.Commit(new Dictionary<string, string> { ["data"] = PartialCloneTests.RandomText(), ["small"] = "s" });
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        List<string> args = ["--link=link", "--period=10ms", "-v=3", "--git-gc=" + mode];
        if (mode == "auto")
        {
            // gc --auto's defaults (6,700 loose objects, 50 packs) lie beyond 200 small
            // updates. Keep every fetch as a pack and allow 20 packs, so auto's threshold is
            // crossed (and its collection seen) several times within the test.
            args.Add("--git-config=fetch.unpackLimit:1,gc.autoPackLimit:20");
        }

        GitSyncProcess p = Start(Args(repo, root, [.. args]));
        await WaitForHashAsync(p, link, repo.Head);
        await Idle.UntilPolledAgainAsync(p);
        long singleRevisionKiB = DiskUsage.KiB(root);
        GitObjects singleRevision = GitObjects.Count(root);

        for (int i = 0; i < Updates; i++)
        {
            string head = repo.Commit("data", PartialCloneTests.RandomText());
            await Poll.UntilAsync(() => Layout.PublishedHash(link) == head, $"update {i + 1} publishes {head}", p.Diagnostics);
        }

        await Idle.UntilPolledAgainAsync(p);
        Assert.Single(Layout.Worktrees(root));
        long finalKiB = DiskUsage.KiB(root);
        GitObjects final = GitObjects.Count(root);
        string report = $"--git-gc={mode}: one revision {singleRevisionKiB} KiB ({singleRevision}); after {Updates} updates {finalKiB} KiB ({final})";
        Output.WriteLine(report);

        switch (mode)
        {
            case "off":
                // Every old revision's commit, tree and blob is still there.
                Assert.True(final.Total >= 3 * Updates, "off dropped objects: " + report);
                Assert.True(finalKiB > singleRevisionKiB + (Updates * 6), "off did not keep the old data: " + report);
                break;
            case "auto":
                // At most autoPackLimit packs of garbage between two collections.
                Assert.True(final.Packs <= 21, "auto never repacked: " + report);
                Assert.True(final.Total < 3 * 25, "auto kept old revisions: " + report);
                Assert.True(finalKiB < 2 * singleRevisionKiB + (25 * 12), "root grew with auto: " + report);
                break;
            default:
                // One revision (a commit, a tree and two blobs), plus at most the revision of the
                // recycling spare (the previous tree, kept to be updated in place: its commit, its
                // tree and the one blob that changed).
                Assert.True(final.Total <= singleRevision.Total + 3, $"{mode} kept old revisions: " + report);
                Assert.True(finalKiB < 2 * singleRevisionKiB, $"root grew with {mode}: " + report);
                break;
        }

        Layout.AssertMatchesCommit(link, repo, repo.Head, p.Diagnostics);
    }
}

public sealed class GitGcOffTests(ITestOutputHelper output) : GitGcTest(output)
{
    [Fact]
    public Task Off_keeps_every_old_revision_over_200_updates() => Keeps_root_disk_use_bounded_over_200_updates("off");
}

public sealed class GitGcAutoTests(ITestOutputHelper output) : GitGcTest(output)
{
    [Fact]
    public Task Auto_keeps_root_disk_use_bounded_over_200_updates() => Keeps_root_disk_use_bounded_over_200_updates("auto");
}

public sealed class GitGcAlwaysTests(ITestOutputHelper output) : GitGcTest(output)
{
    [Fact]
    public Task Always_keeps_one_revision_over_200_updates() => Keeps_root_disk_use_bounded_over_200_updates("always");
}

public sealed class GitGcAggressiveTests(ITestOutputHelper output) : GitGcTest(output)
{
    [Fact]
    public Task Aggressive_keeps_one_revision_over_200_updates() => Keeps_root_disk_use_bounded_over_200_updates("aggressive");
}
