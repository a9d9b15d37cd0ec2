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
}
