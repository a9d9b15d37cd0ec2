using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Hooks;

/// <summary><c>git_sync_hook_run_count_total{name,status}</c> scraped with a real HTTP client after known sequences.</summary>
public sealed class HookMetricsTests(ITestOutputHelper output) : HookTest(output)
{
    private const string HookRuns = "git_sync_hook_run_count_total";

    [Fact]
    public async Task Counts_every_hook_run_by_hook_name_and_outcome()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        TempDir log = NewDir("log");
        string execRuns = log.Combine("exec-runs");
        string prePublishRuns = log.Combine("pre-publish-runs");
        string fixedFlag = log.Combine("fixed");
        // The exec hook fails until the flag exists; the pre-publish hook always passes.
        string execHook = Script($"""
            if [ -e '{fixedFlag}' ]; then echo ok >> '{execRuns}'; exit 0; fi
            echo fail >> '{execRuns}'
            exit 1
            """);
        string prePublishHook = Script($"""echo "$GITSYNC_HASH" >> '{prePublishRuns}'""", "pre-publish.sh");
        using WebhookSink sink = WebhookSink.Start();
        // The webhook fails twice, then succeeds.
        sink.StatusFor = n => n <= 2 ? 500 : 200;
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms",
            "--exechook-command=" + execHook, "--exechook-backoff=1s",
            "--pre-publish-exechook-command=" + prePublishHook,
            "--webhook-url=" + sink.Url, "--webhook-backoff=1s",
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, link, first);
        await Poll.UntilAsync(() => Lines(execRuns).Count >= 2, "the exec hook fails twice", p.Diagnostics);
        File.WriteAllText(fixedFlag, "");
        await Poll.UntilAsync(() => Lines(execRuns).Contains("ok"), "the exec hook succeeds", p.Diagnostics);
        await Poll.UntilAsync(() => sink.Count == 3, "the webhook succeeds on its third call", () => sink.Describe() + "\n" + p.Diagnostics());

        // Both runners are idle now (each succeeded for the only hash), so the counts are final.
        int execFailures = Lines(execRuns).Count(l => l == "fail");
        await AssertHookRunsAsync(port, p, ("exechook", "success", 1), ("exechook", "error", execFailures),
            ("webhook", "success", 1), ("webhook", "error", 2), ("pre-publish-exechook", "success", 1), ("pre-publish-exechook", "error", 0));

        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, second);
        await Poll.UntilAsync(() => sink.Count == 4 && Lines(execRuns).Count(l => l == "ok") == 2, "both hooks run for the second hash",
            () => sink.Describe() + "\n" + p.Diagnostics());
        await AssertHookRunsAsync(port, p, ("exechook", "success", 2), ("exechook", "error", execFailures),
            ("webhook", "success", 2), ("webhook", "error", 2), ("pre-publish-exechook", "success", 2), ("pre-publish-exechook", "error", 0));

        // The exposition is exactly what upstream's e2e suite greps for: one sample per line,
        // labels in declaration order, integer counters printed without a decimal point.
        using var http = new HttpClient();
        string text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        Assert.Contains("# TYPE git_sync_hook_run_count_total counter", text, StringComparison.Ordinal);
        Assert.Contains("\ngit_sync_hook_run_count_total{name=\"exechook\",status=\"success\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("\ngit_sync_hook_run_count_total{name=\"webhook\",status=\"error\"} 2\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exports_no_hook_samples_when_no_hook_is_configured()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, Path.Combine(root, "link"), head);
        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(port) == 200, "ready", p.Diagnostics);

        IReadOnlyDictionary<string, double> metrics = await MetricsScraper.ScrapeAsync(port);
        Assert.DoesNotContain(metrics.Keys, k => k.StartsWith(HookRuns, StringComparison.Ordinal));
    }

    /// <summary>Waits until every hook counter has exactly its expected value (counters move just after the runs the test observes).</summary>
    private static async Task AssertHookRunsAsync(int port, GitSyncProcess p, params (string Name, string Status, int Expected)[] expectations)
    {
        IReadOnlyDictionary<string, double>? last = null;
        await Poll.UntilAsync(
            async () =>
            {
                last = await MetricsScraper.ScrapeAsync(port);
                return expectations.All(e => MetricsScraper.Value(last, HookRuns, $"name=\"{e.Name}\",status=\"{e.Status}\"") == e.Expected);
            },
            "the hook run counters read " + string.Join(", ", expectations.Select(e => $"{e.Name}/{e.Status}={e.Expected}")),
            () => DumpMetrics(last) + "\n" + p.Diagnostics());
    }
}
