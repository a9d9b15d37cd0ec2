using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>An unchanged poll is cheap: no fetch, no fsck; those run at start-up and on change.</summary>
public sealed class SteadyStateTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Fact]
    public async Task Unchanged_polls_run_neither_fetch_nor_fsck()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();
        GitWrapper git = GitWrapper.Create(NewDir("wrapper"));

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--git=" + git.Path,
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, link, head);
        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(port) == 200, "ready", p.Diagnostics);
        int fetches = git.CountWith("fetch");
        int fscks = git.CountWith("fsck");
        double noops = MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), "git_sync_count_total", "status=\"noop\"");

        await Poll.UntilAsync(
            async () => MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), "git_sync_count_total", "status=\"noop\"") >= noops + 5,
            "5 more unchanged polls",
            p.Diagnostics);

        Assert.True(git.CountWith("fetch") == fetches,
            $"unchanged polls ran git fetch ({git.CountWith("fetch") - fetches} times):\n{string.Join('\n', git.Invocations().TakeLast(20))}");
        Assert.True(git.CountWith("fsck") == fscks,
            $"unchanged polls ran git fsck ({git.CountWith("fsck") - fscks} times):\n{string.Join('\n', git.Invocations().TakeLast(20))}");

        // A change is still picked up, by fetching.
        string next = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, next);
        Assert.True(git.CountWith("fetch") > fetches);
    }

    [Fact]
    public async Task An_unchanged_poll_of_an_annotated_tag_is_one_ls_remote()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        repo.Tag("v1.1.0", annotated: true);
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();
        GitWrapper git = GitWrapper.Create(NewDir("wrapper"));

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--ref=v1.1.0", "--period=100ms", "--git=" + git.Path,
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, link, head);
        await Poll.UntilAsync(async () => await NoopsAsync(port) >= 2, "2 unchanged polls", p.Diagnostics);

        int before = git.Invocations().Count;
        double noops = await NoopsAsync(port);
        await Poll.UntilAsync(async () => await NoopsAsync(port) >= noops + 6, "6 more unchanged polls", p.Diagnostics);
        double polls = await NoopsAsync(port) - noops;
        IReadOnlyList<string> during = [.. git.Invocations().Skip(before)];

        // The peeled line is asked for by name: the probe sees the tag's commit, not the tag object.
        string expected = "ls-remote -- " + repo.Url + " v1.1.0 v1.1.0^{}";
        Assert.True(during.All(line => line == expected),
            $"unchanged polls ran other git commands:\n{string.Join('\n', during.Where(l => l != expected))}");
        // Each poll is one line; the two counts are read a moment apart, so a poll may fall between them.
        Assert.InRange(during.Count, polls - 1, polls + 1);

        // A moved tag is still picked up, by fetching.
        string next = repo.Commit("file", "v2");
        repo.Tag("v1.1.0", annotated: true, force: true);
        await WaitForHashAsync(p, link, next);
    }

    private static async Task<double> NoopsAsync(int port) =>
        MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), "git_sync_count_total", "status=\"noop\"");
}
