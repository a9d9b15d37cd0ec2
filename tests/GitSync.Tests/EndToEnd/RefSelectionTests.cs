using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>What --ref can name: the remote's default branch, a branch, tags, and full SHAs.</summary>
public sealed class RefSelectionTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Fact]
    public async Task Syncs_remote_default_branch_when_no_ref_is_given()
    {
        using TestRepo repo = NewRepo(branch: "weird-name");
        string head = repo.Commit("file", "on weird-name");
        repo.Checkout("other", create: true);
        repo.Commit("file", "on other");
        repo.Checkout("weird-name"); // the source's HEAD, i.e. its default branch, is weird-name
        string root = NewDir().Path;

        GitSyncProcess p = await RunOnceAsync(repo, root);

        string link = Path.Combine(root, repo.Name);
        Layout.AssertPublished(link, head, p.Diagnostics);
        Layout.AssertFile(link, "file", "on weird-name");
    }

    [Fact]
    public async Task Follows_remote_default_branch_when_it_changes()
    {
        using TestRepo repo = NewRepo(branch: "weird-name");
        string first = repo.Commit("file", "one");
        repo.Checkout("second-default", create: true);
        string second = repo.Commit("file", "two");
        repo.Checkout("weird-name");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms"));
        await WaitForHashAsync(p, link, first);

        repo.SetDefaultBranch("second-default");
        await WaitForHashAsync(p, link, second);
        Layout.AssertPublished(link, second, p.Diagnostics);
    }

    [Fact]
    public async Task Syncs_named_branch()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "main");
        repo.Checkout("e2e-branch", create: true);
        string branchHead = repo.Commit("file", "branch");
        repo.Checkout("main");
        repo.Commit("file", "main again");
        string root = NewDir().Path;

        GitSyncProcess p = await RunOnceAsync(repo, root, "--ref=e2e-branch", "--link=link");

        string link = Path.Combine(root, "link");
        Layout.AssertPublished(link, branchHead, p.Diagnostics);
        Layout.AssertFile(link, "file", "branch");
    }

    [Fact]
    public async Task Publishes_new_hash_when_branch_moves()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--ref=main", "--link=link", "--period=100ms"));
        await WaitForHashAsync(p, link, first);
        Layout.AssertFile(link, "file", "v1");

        string second = repo.Commit(new Dictionary<string, string> { ["file"] = "v2", ["dir/new"] = "added" });
        await WaitForHashAsync(p, link, second);
        Layout.AssertPublished(link, second, p.Diagnostics);
        Layout.AssertMatchesCommit(link, repo, second, p.Diagnostics);
    }

    [Fact]
    public async Task Follows_branch_that_is_reset_backwards()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string second = repo.Commit("file", "v2");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms"));
        await WaitForHashAsync(p, link, second);

        Assert.Equal(first, repo.ResetHard("HEAD^"));
        await WaitForHashAsync(p, link, first);
        Layout.AssertPublished(link, first, p.Diagnostics);
        Layout.AssertFile(link, "file", "v1");
    }

    [Fact]
    public async Task Switches_branch_on_restart()
    {
        using TestRepo repo = NewRepo();
        string mainHead = repo.Commit("file", "main");
        repo.Checkout("e2e-branch", create: true);
        string branchHead = repo.Commit("file", "branch");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        await RunOnceAsync(repo, root, "--ref=main", "--link=link");
        Layout.AssertPublished(link, mainHead);

        GitSyncProcess p = await RunOnceAsync(repo, root, "--ref=e2e-branch", "--link=link");
        Layout.AssertPublished(link, branchHead, p.Diagnostics);
        Layout.AssertFile(link, "file", "branch");
    }

    [Fact]
    public async Task Syncs_lightweight_tag()
    {
        using TestRepo repo = NewRepo();
        string tagged = repo.Commit("file", "tagged");
        repo.Tag("v1.0");
        repo.Commit("file", "after the tag");
        string root = NewDir().Path;

        GitSyncProcess p = await RunOnceAsync(repo, root, "--ref=v1.0", "--link=link");

        string link = Path.Combine(root, "link");
        Layout.AssertPublished(link, tagged, p.Diagnostics);
        Layout.AssertFile(link, "file", "tagged");
    }

    [Fact]
    public async Task Publishes_peeled_commit_for_annotated_tag()
    {
        using TestRepo repo = NewRepo();
        string tagged = repo.Commit("file", "tagged");
        Assert.Equal(tagged, repo.Tag("v2.0", annotated: true));
        string tagObject = repo.RevParse("v2.0");
        Assert.NotEqual(tagged, tagObject);
        repo.Commit("file", "after the tag");
        string root = NewDir().Path;

        GitSyncProcess p = await RunOnceAsync(repo, root, "--ref=v2.0", "--link=link");

        string link = Path.Combine(root, "link");
        Layout.AssertPublished(link, tagged, p.Diagnostics);
        Layout.AssertFile(link, "file", "tagged");
    }

    [Fact]
    public async Task Follows_tag_that_is_moved()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Tag("release", at: repo.Commit("file", "v1"));
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--ref=release", "--link=link", "--period=100ms"));
        await WaitForHashAsync(p, link, first);

        repo.Commit("file", "v2");
        string moved = repo.Tag("release", annotated: true, force: true);
        await WaitForHashAsync(p, link, moved);
        Layout.AssertFile(link, "file", "v2");
    }

    [Fact]
    public async Task Syncs_full_sha_once()
    {
        using TestRepo repo = NewRepo();
        string old = repo.Commit("file", "old");
        repo.Commit("file", "newer");
        repo.Commit("file", "newest");
        string root = NewDir().Path;

        GitSyncProcess p = await RunOnceAsync(repo, root, "--ref=" + old, "--link=link");

        string link = Path.Combine(root, "link");
        Layout.AssertPublished(link, old, p.Diagnostics);
        Layout.AssertFile(link, "file", "old");
    }

    [Fact]
    public async Task Switches_to_known_sha_on_restart()
    {
        using TestRepo repo = NewRepo();
        string old = repo.Commit("file", "old");
        string head = repo.Commit("file", "head");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        // Full history first, so the older commit is already in the root repo.
        await RunOnceAsync(repo, root, "--link=link", "--depth=0");
        Layout.AssertPublished(link, head);
        Assert.True(LocalGit.Run(root, "cat-file", "-e", old + "^{commit}").Succeeded, "the older commit should already be local");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--ref=" + old, "--link=link");
        Layout.AssertPublished(link, old, p.Diagnostics);
        Layout.AssertFile(link, "file", "old");
    }

    [Fact]
    public async Task Switches_to_sha_not_yet_fetched_on_restart()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "first");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        await RunOnceAsync(repo, root, "--ref=" + first, "--link=link");
        Layout.AssertPublished(link, first);

        string second = repo.Commit("file", "second");
        Assert.False(LocalGit.Run(root, "cat-file", "-e", second + "^{commit}").Succeeded, "the new commit must not be local yet");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--ref=" + second, "--link=link");
        Layout.AssertPublished(link, second, p.Diagnostics);
        Layout.AssertFile(link, "file", "second");
    }

    [Fact]
    public async Task Stops_polling_once_sha_is_synced()
    {
        using TestRepo repo = NewRepo();
        string pinned = repo.Commit("file", "pinned");
        repo.Commit("file", "later");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--ref=" + pinned, "--link=link", "--period=50ms",
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, link, pinned);
        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(port) == 200, "readiness is 200", p.Diagnostics);

        // Time passing is the point: at --period=50ms a polling loop would run ~20 times here.
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.False(p.HasExited, "git-sync should stay alive after syncing a SHA\n" + p.Diagnostics());
        IReadOnlyDictionary<string, double> metrics = await MetricsScraper.ScrapeAsync(port);
        Assert.True(MetricsScraper.Value(metrics, "git_sync_count_total", "status=\"success\"") == 1, "one successful sync expected\n" + p.Diagnostics());
        Assert.True(MetricsScraper.Value(metrics, "git_sync_count_total", "status=\"noop\"") == 0, "a pinned SHA must not be polled\n" + p.Diagnostics());
        Assert.True(MetricsScraper.Value(metrics, "git_fetch_count_total") == 1, "exactly one fetch expected\n" + p.Diagnostics());
        Layout.AssertPublished(link, pinned, p.Diagnostics);
    }

    [Fact]
    public async Task Fails_without_publishing_when_ref_does_not_exist()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "content");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time", "--ref=no-such-branch", "--link=link"));

        Assert.True(p.ExitCode == 1, $"expected exit 1, got {p.ExitCode}\n{p.Diagnostics()}");
        Assert.True(Layout.IsAbsent(Path.Combine(root, "link")), "no link may be published for a bad ref\n" + p.Diagnostics());
    }

    [Fact]
    public async Task Fails_without_publishing_when_ref_is_an_abbreviated_sha()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "content");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time", "--ref=" + head[..8], "--link=link"));

        Assert.True(p.ExitCode != 0, $"an abbreviated SHA is not supported and must fail\n{p.Diagnostics()}");
        Assert.True(Layout.IsAbsent(Path.Combine(root, "link")), "no link may be published\n" + p.Diagnostics());
    }
}
