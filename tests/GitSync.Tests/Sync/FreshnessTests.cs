using GitSync.Tests.Infrastructure;
using GitSync.Tests.Trust;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Sync;

/// <summary>--max-staleness readiness, the /livez liveness path and the freshness metrics.</summary>
public sealed class FreshnessTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Fact]
    public async Task Readiness_turns_503_when_stale_and_200_after_the_next_success_while_liveness_stays_200()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--max-failures=-1", "--max-staleness=2s",
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, link, head);
        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(port) == 200, "ready after the first sync", p.Diagnostics);
        Assert.Equal(200, await MetricsScraper.StatusAsync(port, "/livez"));
        IReadOnlyDictionary<string, double> metrics = await MetricsScraper.ScrapeAsync(port);
        Assert.Equal(1, MetricsScraper.Value(metrics, "git_sync_published_info", $"hash=\"{head}\""));
        Assert.Equal(0, MetricsScraper.Value(metrics, "git_sync_consecutive_failures"));
        double lastSuccess = MetricsScraper.Value(metrics, "git_sync_last_success_timestamp_seconds");
        Assert.InRange(lastSuccess, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);

        string away = repo.Path + ".away";
        Directory.Move(repo.Path, away);
        try
        {
            var livez = new List<int?>();
            await Poll.UntilAsync(
                async () =>
                {
                    livez.Add(await MetricsScraper.StatusAsync(port, "/livez"));
                    return (await HttpText.GetWithStatusAsync(port, "/")).Status == 503;
                },
                "readiness turns 503 once the last success is older than --max-staleness",
                p.Diagnostics);
            (int status, string body) = await HttpText.GetWithStatusAsync(port, "/");
            Assert.Equal(503, status);
            Assert.Contains("--max-staleness=2s", body, StringComparison.Ordinal);
            Assert.All(livez, s => Assert.Equal(200, s));
            Layout.AssertFile(link, "file", "v1", p.Diagnostics);
            metrics = await MetricsScraper.ScrapeAsync(port);
            Assert.True(MetricsScraper.Value(metrics, "git_sync_consecutive_failures") >= 2, p.Diagnostics());
            Assert.Equal(lastSuccess, MetricsScraper.Value(metrics, "git_sync_last_success_timestamp_seconds"));
            Assert.Equal(1, MetricsScraper.Value(metrics, "git_sync_published_info", $"hash=\"{head}\""));
        }
        finally
        {
            Directory.Move(away, repo.Path);
        }

        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(port) == 200, "readiness returns to 200 after a success", p.Diagnostics);
        Assert.Equal(200, await MetricsScraper.StatusAsync(port, "/livez"));
        metrics = await MetricsScraper.ScrapeAsync(port);
        Assert.Equal(0, MetricsScraper.Value(metrics, "git_sync_consecutive_failures"));
        Assert.True(MetricsScraper.Value(metrics, "git_sync_last_success_timestamp_seconds") > lastSuccess);

        string next = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, next);
        await Poll.UntilAsync(
            async () => MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), "git_sync_published_info", $"hash=\"{next}\"") == 1,
            "the info metric follows the published hash",
            p.Diagnostics);
        Assert.Equal(0, MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), "git_sync_published_info", $"hash=\"{head}\""));
    }

    [Fact]
    public async Task Liveness_stays_200_while_git_hangs_past_the_sync_timeout()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        TempDir scratch = NewDir("wrapper");
        string hang = scratch.Combine("hang");
        GitWrapper wrapper = GitWrapper.Create(scratch, $"if [ -e '{hang}' ]; then case \"$SUBCOMMAND\" in ls-remote|fetch) sleep 60 ;; esac; fi");
        string root = NewDir().Path;
        int port = Ports.Free();
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=1s", "--sync-timeout=2s", "--max-failures=-1",
            "--git=" + wrapper.Path, $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, Path.Combine(root, "link"), head);
        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(port) == 200, "ready", p.Diagnostics);

        File.WriteAllText(hang, "");
        var livez = new List<int?>();
        await Poll.UntilAsync(
            async () =>
            {
                livez.Add(await MetricsScraper.StatusAsync(port, "/livez"));
                return p.StderrLines.Count(l => l.Contains("sync timed out", StringComparison.Ordinal)) >= 3;
            },
            "three syncs time out in a hanging git",
            p.Diagnostics);
        Assert.All(livez, s => Assert.Equal(200, s));
        Assert.True(livez.Count > 10, $"liveness was polled {livez.Count} times");
        Assert.True(MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), "git_sync_consecutive_failures") >= 3);
    }
}
