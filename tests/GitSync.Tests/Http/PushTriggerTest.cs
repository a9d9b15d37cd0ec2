using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Http;

/// <summary>
/// Base for push trigger tests: a source repo, a secret file, and git-sync with <c>--period=1h</c>
/// so that only a trigger can cause a sync after the first one.
/// </summary>
public abstract class PushTriggerTest(ITestOutputHelper output) : EndToEndTest(output)
{
    protected const string Secret = "It's a Secret to Everybody";

    /// <summary>A secret file holding <paramref name="content"/>.</summary>
    protected string SecretFile(string content = Secret + "\n")
    {
        string path = NewDir("secret").Combine("webhook-secret");
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Starts git-sync with the trigger, HTTP and metrics on <paramref name="port"/>; waits for the first publish.</summary>
    protected async Task<GitSyncProcess> StartSyncedAsync(TestRepo repo, string root, int port, string secretFile, params string[] extra)
    {
        string head = repo.Head;
        GitSyncProcess p = Start(Args(repo, root, ["--link=link", "--period=1h", $"--http-bind=127.0.0.1:{port}", "--http-metrics",
            "--push-trigger-secret-file=" + secretFile, "-v=2", .. extra]));
        await WaitForHashAsync(p, Path.Combine(root, "link"), head);
        return p;
    }

    /// <summary>Finished syncs of any outcome, from /metrics.</summary>
    protected static async Task<double> SyncCountAsync(int port)
    {
        IReadOnlyDictionary<string, double> m = await MetricsScraper.ScrapeAsync(port);
        return MetricsScraper.Value(m, "git_sync_count_total", "status=\"success\"")
               + MetricsScraper.Value(m, "git_sync_count_total", "status=\"noop\"")
               + MetricsScraper.Value(m, "git_sync_count_total", "status=\"error\"");
    }

    protected static async Task<double> TriggerMetricAsync(int port, string source, string result) =>
        MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), "git_sync_push_trigger_requests_total", $"source=\"{source}\",result=\"{result}\"");

    /// <summary>
    /// Asserts that for <paramref name="window"/> no sync runs and the link stays on
    /// <paramref name="hash"/>. Absence can only be observed over a window; with --period=1h
    /// nothing but a trigger could start a sync in it.
    /// </summary>
    protected static async Task AssertNoSyncAsync(GitSyncProcess p, int port, string link, string hash, double expectedCount, TimeSpan window)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < window)
        {
            Assert.True(Layout.PublishedHash(link) == hash, $"the link moved to {Layout.TargetOf(link)}\n{p.Diagnostics()}");
            double count = await SyncCountAsync(port);
            Assert.True(count == expectedCount, $"{count} syncs counted, expected {expectedCount}\n{p.Diagnostics()}");
            await Task.Delay(100);
        }
    }
}
