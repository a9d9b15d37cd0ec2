using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Http;

/// <summary>Any number of triggers during a sync cause exactly one follow-up sync, never a concurrent one.</summary>
public sealed class PushTriggerCoalescingTests(ITestOutputHelper output) : PushTriggerTest(output)
{
    [Fact]
    public async Task Five_hundred_concurrent_triggers_during_a_slow_sync_cause_at_most_two_syncs()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        TempDir tools = NewDir("tools");
        string slow = tools.Combine("slow");
        string gate = tools.Combine("gate");
        // While 'slow' exists, every fetch waits until 'gate' appears: a sync held open for as
        // long as the test needs, however slow the machine (30 s at most, then it goes on).
        GitWrapper git = GitWrapper.Create(tools, $$"""
            if [ "$SUBCOMMAND" = fetch ] && [ -f '{{slow}}' ]; then
              i=0; while [ ! -f '{{gate}}' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
            fi
            """);
        int port = Ports.Free();
        GitSyncProcess p = await StartSyncedAsync(repo, root, port, SecretFile(), "--git=" + git.Path, "--push-trigger-rate-limit=0");
        using var client = new TriggerClient(port);
        Assert.Equal(1, await SyncCountAsync(port));

        File.WriteAllText(slow, "");
        string next = repo.Commit("file", "v2");
        string body = PushPayloads.GitHub("refs/heads/main", "main", after: next);
        Assert.Equal(202, (await client.GitHubAsync(body, Secret)).Status);
        await Poll.UntilAsync(() => git.CountWith("fetch") == 2, "the triggered sync is fetching (held by the wrapper)", p.Diagnostics);

        TriggerAnswer[] answers = await Task.WhenAll(Enumerable.Range(0, 500).Select(_ => client.GitHubAsync(body, Secret)));

        Assert.All(answers, a => Assert.True(a.Status == 202 && a.Result == "queued", a.ToString()));
        Assert.True(await SyncCountAsync(port) == 1, "all 500 triggers arrived while the second sync was still running");
        Assert.Equal(500 + 1, await TriggerMetricAsync(port, "github", "queued"));

        File.WriteAllText(gate, "");
        await WaitForHashAsync(p, link, next);
        // The triggered sync, then exactly one follow-up for the 500 that arrived during it.
        await Poll.UntilAsync(async () => await SyncCountAsync(port) == 3, "the follow-up sync finishes", p.Diagnostics);
        await AssertNoSyncAsync(p, port, link, next, expectedCount: 3, TimeSpan.FromSeconds(1.5));
        IReadOnlyDictionary<string, double> metrics = await MetricsScraper.ScrapeAsync(port);
        Assert.Equal(2, MetricsScraper.Value(metrics, "git_sync_count_total", "status=\"success\""));
        Assert.Equal(1, MetricsScraper.Value(metrics, "git_sync_count_total", "status=\"noop\""));
        // Start-up, the triggered sync and its follow-up; triggered syncs fetch without a probe.
        Assert.Equal(3, git.CountWith("fetch"));
        Assert.Equal(0, git.CountWith("ls-remote"));
    }
}
