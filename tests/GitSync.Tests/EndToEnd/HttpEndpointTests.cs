using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>--http-bind readiness, --http-metrics counters after known sequences, --http-pprof.</summary>
public sealed class HttpEndpointTests(ITestOutputHelper output) : EndToEndTest(output)
{
    private const string Count = "git_sync_count_total";
    private const string Fetches = "git_fetch_count_total";
    private const string Success = "status=\"success\"";
    private const string Noop = "status=\"noop\"";
    private const string Error = "status=\"error\"";

    [Fact]
    public async Task Answers_503_until_first_successful_sync_then_200()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--ref=later", "--period=100ms", "--max-failures=-1",
            $"--http-bind=127.0.0.1:{port}"));
        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(port) is not null, "the HTTP endpoint listens", p.Diagnostics);
        Assert.Equal(503, await MetricsScraper.StatusAsync(port));

        string head = repo.Branch("later").RevParse("later");
        await WaitForHashAsync(p, Path.Combine(root, "link"), head);
        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(port) == 200, "readiness turns 200", p.Diagnostics);
    }

    [Fact]
    public async Task Is_ready_after_restart_on_an_already_synced_root()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        await RunOnceAsync(repo, root, "--link=link");
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", $"--http-bind=127.0.0.1:{port}", "--http-metrics"));

        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(port) == 200, "readiness is 200 after the restart", p.Diagnostics);
        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
        // The first loop of a process counts as a success and a fetch even when nothing changed.
        IReadOnlyDictionary<string, double> metrics = await MetricsScraper.ScrapeAsync(port);
        Assert.True(MetricsScraper.Value(metrics, Count, Success) == 1, Dump(metrics, p));
        Assert.True(MetricsScraper.Value(metrics, Fetches) == 1, Dump(metrics, p));
    }

    [Fact]
    public async Task Counts_one_success_then_noops_without_fetching()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, link, head);
        await Poll.UntilAsync(
            async () => MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), Count, Noop) >= 5,
            "at least 5 noop syncs are counted",
            p.Diagnostics);

        IReadOnlyDictionary<string, double> metrics = await MetricsScraper.ScrapeAsync(port);
        Assert.True(MetricsScraper.Value(metrics, Count, Success) == 1, Dump(metrics, p));
        Assert.True(MetricsScraper.Value(metrics, Count, Error) == 0, Dump(metrics, p));
        Assert.True(MetricsScraper.Value(metrics, Fetches) == 1, "noops must not count as fetches\n" + Dump(metrics, p));
        Assert.True(MetricsScraper.Value(metrics, "git_sync_duration_seconds_count", Success) == 1, Dump(metrics, p));
        Assert.True(MetricsScraper.Value(metrics, "git_sync_duration_seconds_sum", Success) > 0, Dump(metrics, p));
        Assert.True(MetricsScraper.Value(metrics, "git_sync_duration_seconds_count", Noop) >= 5, Dump(metrics, p));

        string next = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, next);
        await Poll.UntilAsync(
            async () => MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), Count, Success) == 2,
            "the update is counted as the second success",
            p.Diagnostics);
        metrics = await MetricsScraper.ScrapeAsync(port);
        Assert.True(MetricsScraper.Value(metrics, Fetches) == 2, Dump(metrics, p));
        Assert.True(MetricsScraper.Value(metrics, Count, Error) == 0, Dump(metrics, p));
    }

    [Fact]
    public async Task Counts_failed_syncs_as_errors()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--ref=missing", "--period=50ms", "--max-failures=-1",
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"));

        await Poll.UntilAsync(
            async () => MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), Count, Error) >= 3,
            "at least 3 errors are counted",
            p.Diagnostics);
        IReadOnlyDictionary<string, double> metrics = await MetricsScraper.ScrapeAsync(port);
        Assert.True(MetricsScraper.Value(metrics, Count, Success) == 0, Dump(metrics, p));
        Assert.True(MetricsScraper.Value(metrics, "git_sync_duration_seconds_count", Error) >= 3, Dump(metrics, p));
        Assert.Equal(503, await MetricsScraper.StatusAsync(port));
    }

    [Fact]
    public async Task Exports_process_metrics_and_metric_types()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, Path.Combine(root, "link"), head);
        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(port) == 200, "ready", p.Diagnostics);

        using var http = new HttpClient();
        string text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        Assert.Contains("# TYPE git_sync_count_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE git_fetch_count_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE git_sync_duration_seconds summary", text, StringComparison.Ordinal);
        IReadOnlyDictionary<string, double> metrics = MetricsScraper.Parse(text);
        Assert.Contains(metrics.Keys, k => k.StartsWith("process_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Does_not_serve_metrics_unless_enabled()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", $"--http-bind=127.0.0.1:{port}"));
        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(port) == 200, "ready", p.Diagnostics);

        Assert.Equal(404, await MetricsScraper.StatusAsync(port, "/metrics"));
    }

    [Fact]
    public async Task Serves_diagnostics_under_debug_pprof_when_enabled()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", $"--http-bind=127.0.0.1:{port}", "--http-pprof"));
        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(port) == 200, "ready", p.Diagnostics);

        int? status = await MetricsScraper.StatusAsync(port, "/debug/pprof/");
        Assert.True(status is >= 200 and < 300, $"/debug/pprof/ answered {status}\n{p.Diagnostics()}");
    }

    [Fact]
    public async Task Answers_whatever_the_Host_header_names_and_sends_no_Server_header()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=1h", $"--http-bind=127.0.0.1:{port}"));
        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(port) == 200, "ready", p.Diagnostics);

        // Through a Service name, a proxy, or an address the bind does not name.
        foreach (string host in new[] { "site-git-sync.default.svc.cluster.local:80", "10.0.0.5:8080", "localhost", "[::1]:" + port })
        {
            using RawConnection client = await RawConnection.OpenAsync(port);
            await client.SendAsync($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
            RawAnswer? answer = await client.ReadAnswerAsync(TimeSpan.FromSeconds(10));
            Assert.True(answer is { Status: 200, Body: "ok\n" }, $"Host: {host}: {answer}");
            Assert.False(answer!.Headers.ContainsKey("Server"), $"Host: {host}: {answer}");
        }
    }

    [Fact]
    public async Task Refuses_to_start_when_the_port_is_taken()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
            GitSyncProcess p = await RunAsync(Args(repo, root, "--link=link", $"--http-bind=127.0.0.1:{port}"));
            Assert.True(p.ExitCode == 1, p.Diagnostics());
            Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", p.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            taken.Stop();
        }
    }

    private static string Dump(IReadOnlyDictionary<string, double> metrics, GitSyncProcess p) =>
        string.Join('\n', metrics.Where(m => m.Key.StartsWith("git_", StringComparison.Ordinal)).Select(m => $"{m.Key} {m.Value}"))
        + "\n" + p.Diagnostics();
}
