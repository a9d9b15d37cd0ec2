using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Hooks;

/// <summary>--webhook-* against a real HTTP listener that records every call.</summary>
public sealed class WebhookTests(ITestOutputHelper output) : HookTest(output)
{
    /// <summary>Long enough for two retries at --webhook-backoff=1s: a wait where time passing is the point.</summary>
    private static readonly TimeSpan TwoBackoffs = TimeSpan.FromSeconds(2.5);

    [Fact]
    public async Task Posts_the_hash_header_once_per_new_hash()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        using WebhookSink sink = WebhookSink.Start();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--webhook-url=" + sink.Url));
        await WaitForHashAsync(p, link, first);
        await Poll.UntilAsync(() => sink.Count == 1, "the webhook is called for the first hash", () => sink.Describe() + "\n" + p.Diagnostics());

        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, second);
        await Poll.UntilAsync(() => sink.Count == 2, "the webhook is called for the second hash", () => sink.Describe() + "\n" + p.Diagnostics());

        IReadOnlyList<WebhookHit> hits = sink.Hits;
        Assert.All(hits, h => Assert.Equal("POST", h.Method));
        Assert.Equal([first, second], hits.Select(h => h.Hash));
    }

    [Fact]
    public async Task Retries_a_failing_webhook_after_the_backoff_until_it_succeeds()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        using WebhookSink sink = WebhookSink.Start();
        sink.Status = 500;

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--webhook-url=" + sink.Url, "--webhook-backoff=1s"));
        await Poll.UntilAsync(() => sink.Count >= 2, "the failing webhook is retried", () => sink.Describe() + "\n" + p.Diagnostics());
        Assert.False(p.HasExited, "a failing webhook is not a sync failure\n" + p.Diagnostics());

        sink.Status = 200;
        await Poll.UntilAsync(() => sink.Hits.Any(h => h.AnsweredStatus == 200), "the retried webhook succeeds", () => sink.Describe() + "\n" + p.Diagnostics());
        TimeSpan succeededAt = sink.Hits.First(h => h.AnsweredStatus == 200).At;
        Assert.All(sink.Hits, h => Assert.Equal(head, h.Hash));
        // The sink stamps a hit when it handles it, which a loaded machine can delay (a request
        // that timed out may be handled late, right before the next one): judge the spacing over
        // all attempts rather than pair by pair.
        IReadOnlyList<WebhookHit> all = sink.Hits;
        Assert.True(all[^1].At - all[0].At >= TimeSpan.FromMilliseconds(900) * (all.Count - 1),
            "retries came faster than the 1s backoff\n" + sink.Describe());

        // Once it succeeded, it is not called again for the same hash.
        await Task.Delay(TwoBackoffs);
        Assert.True(sink.Hits.All(h => h.At <= succeededAt), "the webhook was called again after succeeding\n" + sink.Describe());
    }

    [Fact]
    public async Task A_webhook_that_does_not_answer_within_the_timeout_failed_and_is_retried()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        using WebhookSink sink = WebhookSink.Start();
        sink.Delay = TimeSpan.FromSeconds(30);
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--webhook-url=" + sink.Url,
            "--webhook-timeout=1s", "--webhook-backoff=1s", $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await Poll.UntilAsync(() => sink.Count >= 2, "the timed-out webhook is retried", () => sink.Describe() + "\n" + p.Diagnostics());

        IReadOnlyList<WebhookHit> hits = sink.Hits;
        // 2s expected; the margin absorbs the sink stamping a hit late on a loaded machine, and
        // 1.5s still tells "timeout plus backoff" from "backoff alone".
        Assert.True(hits[1].At - hits[0].At >= TimeSpan.FromSeconds(1.5),
            "the retry came before timeout (1s) plus backoff (1s) had passed\n" + sink.Describe());
        Assert.All(hits, h => Assert.Equal(head, h.Hash));
        IReadOnlyDictionary<string, double> metrics = await MetricsScraper.ScrapeAsync(port);
        Assert.True(MetricsScraper.Value(metrics, "git_sync_hook_run_count_total", "name=\"webhook\",status=\"error\"") >= 1, p.Diagnostics());
    }

    [Theory]
    [InlineData("0", 404)]
    [InlineData("-1", 500)]
    public async Task Fire_and_forget_calls_exactly_once_whatever_the_answer(string successStatus, int answer)
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        using WebhookSink sink = WebhookSink.Start();
        sink.Status = answer;

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--webhook-url=" + sink.Url,
            "--webhook-success-status=" + successStatus, "--webhook-backoff=1s"));
        await Poll.UntilAsync(() => sink.Count >= 1, "the webhook is called", () => sink.Describe() + "\n" + p.Diagnostics());

        // With a 1s backoff a retry would have come twice by now.
        await Task.Delay(TwoBackoffs);
        Assert.True(sink.Count == 1, "fire-and-forget must not retry\n" + sink.Describe() + "\n" + p.Diagnostics());
        Assert.Equal(head, sink.Hits[0].Hash);
    }

    [Fact]
    public async Task Uses_the_configured_method()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        using WebhookSink sink = WebhookSink.Start();

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--webhook-url=" + sink.Url, "--webhook-method=PUT");

        WebhookHit hit = Assert.Single(sink.Hits);
        Assert.True(hit.Method == "PUT", sink.Describe() + "\n" + p.Diagnostics());
        Assert.Equal(head, hit.Hash);
    }

    [Fact]
    public async Task One_time_calls_once_and_exits_0_on_success()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        using WebhookSink sink = WebhookSink.Start();

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--webhook-url=" + sink.Url);

        WebhookHit hit = Assert.Single(sink.Hits);
        Assert.Equal("POST", hit.Method);
        Assert.Equal(head, hit.Hash);
        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
    }

    [Fact]
    public async Task One_time_calls_once_and_exits_1_on_failure()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        using WebhookSink sink = WebhookSink.Start();
        sink.Status = 500;

        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time", "--link=link", "--webhook-url=" + sink.Url, "--webhook-backoff=1s"));

        Assert.True(p.ExitCode == 1, $"expected exit 1, got {p.ExitCode}\n{sink.Describe()}\n{p.Diagnostics()}");
        WebhookHit hit = Assert.Single(sink.Hits);
        Assert.Equal(head, hit.Hash);
        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
    }
}
