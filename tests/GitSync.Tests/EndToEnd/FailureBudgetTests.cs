using System.Diagnostics;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>Init phase vs steady state: periods and failure budgets.</summary>
public sealed class FailureBudgetTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Fact]
    public async Task Retries_at_init_period_until_first_success()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string errorFile = Path.Combine(root, "error.json");

        // With a 100 s period, only the 100 ms init period can find the branch in time.
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--ref=later", "--period=100s", "--init-period=100ms",
            "--init-max-failures=-1", "--error-file=error.json"));
        await Poll.UntilAsync(() => File.Exists(errorFile), "the first attempt fails", p.Diagnostics);

        string head = repo.Branch("later").RevParse("later");
        var clock = Stopwatch.StartNew();
        await WaitForHashAsync(p, link, head);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed.TotalSeconds:0.0}s: the init period was not used");

        // After the first success the (long) period applies: a new commit is not picked up soon.
        repo.Commit("file", "v2", "on main, irrelevant");
        repo.Checkout("later");
        repo.Commit("file", "later v2");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(head, Layout.PublishedHash(link));
    }

    [Fact]
    public async Task Exits_when_init_max_failures_is_exceeded()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--ref=missing", "--period=100s", "--init-period=50ms", "--init-max-failures=2"));

        int code = await p.WaitForExitAsync(ExitDeadline);
        Assert.True(code == 1, $"expected exit 1, got {code}\n{p.Diagnostics()}");
        Assert.True(Layout.IsAbsent(Path.Combine(root, "link")));
    }

    [Fact]
    public async Task Exits_on_first_failure_by_default()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--ref=missing", "--period=50ms"));

        int code = await p.WaitForExitAsync(ExitDeadline);
        Assert.True(code == 1, $"expected exit 1, got {code}\n{p.Diagnostics()}");
    }

    [Fact]
    public async Task Uses_max_failures_after_the_first_success()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        // No failures allowed before the first success, three afterwards.
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--max-failures=3", "--init-max-failures=0"));
        await WaitForHashAsync(p, link, head);

        // Make the remote disappear: every later sync fails.
        Directory.Move(repo.Path, repo.Path + ".gone");
        try
        {
            int code = await p.WaitForExitAsync(ExitDeadline);
            Assert.True(code == 1, $"expected exit 1 once the budget is used up, got {code}\n{p.Diagnostics()}");
        }
        finally
        {
            Directory.Move(repo.Path + ".gone", repo.Path);
        }

        // The published tree survives the failures.
        Layout.AssertPublished(link, head, p.Diagnostics);
    }

    [Fact]
    public async Task Keeps_retrying_forever_with_negative_max_failures_and_recovers()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=50ms", "--max-failures=-1",
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, link, head);

        string gone = repo.Path + ".gone";
        Directory.Move(repo.Path, gone);
        try
        {
            await Poll.UntilAsync(
                async () => MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), "git_sync_count_total", "status=\"error\"") >= 5,
                "at least 5 failed syncs are counted",
                p.Diagnostics);
            Assert.False(p.HasExited, p.Diagnostics());
            Assert.Equal(200, await MetricsScraper.StatusAsync(port));
        }
        finally
        {
            Directory.Move(gone, repo.Path);
        }

        string next = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, next);
    }

    [Fact]
    public async Task Exits_one_time_with_failure_after_retrying_within_the_failure_budget()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        var clock = Stopwatch.StartNew();

        // --one-time respects the failure budget: 2 retries at 50 ms, then exit 1.
        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time", "--ref=missing", "--max-failures=2", "--period=50ms"));

        Assert.True(p.ExitCode == 1, p.Diagnostics());
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(100), "with a budget of 2 failures at 50 ms the process cannot end this soon");
    }
}
