using System.Diagnostics;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Hooks;

/// <summary>
/// A stalled sync or a hung hook must neither slow the HTTP endpoint down nor keep the process
/// from stopping on SIGTERM.
/// </summary>
public sealed class HookResponsivenessTests(ITestOutputHelper output) : HookTest(output)
{
    [Fact]
    public async Task Readiness_answers_promptly_while_git_stalls_a_sync()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        TempDir dir = NewDir("wrapper");
        string stallFlag = dir.Combine("stall");
        string stalled = dir.Combine("stalled");
        string sleep = UniqueSleep();
        // Network operations hang while the flag exists (a remote that stopped answering).
        GitWrapper git = GitWrapper.Create(dir, $$"""
            case "$SUBCOMMAND" in
              fetch|ls-remote) if [ -e '{{stallFlag}}' ]; then : > '{{stalled}}'; sleep {{sleep}}; fi ;;
            esac
            """);
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--git=" + git.Path, $"--http-bind=127.0.0.1:{port}"));
        await WaitForHashAsync(p, Path.Combine(root, "link"), head);
        File.WriteAllText(stallFlag, "");
        await Poll.UntilAsync(() => File.Exists(stalled), "a sync stalls in git", p.Diagnostics);

        (List<double> millis, List<int> statuses) = await TimeReadinessAsync(port, 10);

        Assert.All(statuses, s => Assert.Equal(200, s));
        AssertAnsweredPromptly(millis, p);
        Assert.NotEmpty(ProcessTable.WithArgument(sleep));
    }

    [Fact]
    public async Task Readiness_answers_promptly_while_a_hook_hangs()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string started = NewDir("log").Combine("started");
        string sleep = UniqueSleep();
        string hook = Script($"""
            : > '{started}'
            sleep {sleep}
            """);
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--exechook-command=" + hook,
            "--exechook-timeout=10m", $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, Path.Combine(root, "link"), head);
        await Poll.UntilAsync(() => File.Exists(started), "the hook is running", p.Diagnostics);

        (List<double> millis, List<int> statuses) = await TimeReadinessAsync(port, 10);

        Assert.All(statuses, s => Assert.Equal(200, s));
        AssertAnsweredPromptly(millis, p);
        // Syncing carries on around the hung hook, too.
        await Poll.UntilAsync(
            async () => MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), "git_sync_count_total", "status=\"noop\"") >= 3,
            "unchanged polls go on while the hook hangs",
            p.Diagnostics);
    }

    [Theory]
    [InlineData("--exechook-command=")]
    [InlineData("--pre-publish-exechook-command=")]
    public async Task Exits_promptly_on_SIGTERM_while_a_hook_hangs(string hookFlag)
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string started = NewDir("log").Combine("started");
        string sleep = UniqueSleep();
        string hook = Script($"""
            : > '{started}'
            sleep {sleep}
            """);

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", hookFlag + hook, "--exechook-timeout=10m", "--pre-publish-exechook-timeout=10m", "--sync-timeout=11m"));
        await Poll.UntilAsync(() => File.Exists(started), "the hook is running", p.Diagnostics);
        await Poll.UntilAsync(() => ProcessTable.WithArgument(sleep).Count > 0, "the hook's sleep is running", p.Diagnostics);

        var clock = Stopwatch.StartNew();
        p.SendSignal(Libc.SIGTERM);
        Assert.True(await p.ExitsWithinAsync(TimeSpan.FromSeconds(5)), "git-sync did not stop within 5s of SIGTERM\n" + p.Diagnostics());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"git-sync took {clock.Elapsed.TotalSeconds:0.0}s to stop\n{p.Diagnostics()}");
        Assert.True(p.ExitCode == 0, $"expected a clean exit 0, got {p.ExitCode}\n{p.Diagnostics()}");
        await Poll.UntilAsync(() => ProcessTable.WithArgument(sleep).Count == 0, TimeSpan.FromSeconds(5),
            "the hung hook is killed with git-sync", p.Diagnostics);
    }
}
