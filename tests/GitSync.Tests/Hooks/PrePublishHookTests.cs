using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Hooks;

/// <summary>
/// --pre-publish-exechook-command is a gate (spec §6, unlike upstream): the link moves only once
/// the hook has succeeded for that hash; meanwhile the old tree keeps serving, the hook is
/// retried after its backoff, and none of that counts as a failed sync.
/// </summary>
public sealed class PrePublishHookTests(ITestOutputHelper output) : HookTest(output)
{
    private const string HookRuns = "git_sync_hook_run_count_total";
    private const string SyncCount = "git_sync_count_total";

    [Fact]
    public async Task Keeps_the_old_link_while_the_hook_fails_and_publishes_once_it_passes()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        TempDir log = NewDir("log");
        string runs = log.Combine("runs");
        string allow = log.Combine("allow");
        string hook = Script($"""
            echo "$GITSYNC_HASH" >> '{runs}'
            test -e '{allow}'
            """);
        File.WriteAllText(allow, "");
        string errorFile = log.Combine("error.json");
        int port = Ports.Free();

        // Default --max-failures=0: a single counted failure would end the process.
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms",
            "--pre-publish-exechook-command=" + hook, "--pre-publish-exechook-backoff=1s",
            "--error-file=" + errorFile, $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, link, first);

        File.Delete(allow);
        string second = repo.Commit("file", "v2");
        await Poll.UntilAsync(() => Lines(runs).Count(l => l == second) >= 2, "the rejected hash is retried", p.Diagnostics);

        Assert.False(p.HasExited, "a rejected revision is not a sync failure\n" + p.Diagnostics());
        Layout.AssertPublished(link, first, p.Diagnostics);
        Layout.AssertFile(link, "file", "v1", p.Diagnostics);
        Assert.Equal(200, await MetricsScraper.StatusAsync(port));
        await WaitForMetricAsync(port, HookRuns, "name=\"pre-publish-exechook\",status=\"error\"", v => v >= 2, "counts the rejections", p);
        IReadOnlyDictionary<string, double> metrics = await MetricsScraper.ScrapeAsync(port);
        Assert.True(MetricsScraper.Value(metrics, SyncCount, "status=\"error\"") == 0, Dump(metrics, p));
        // Unlike exec hook and webhook failures, a held-back revision is reported in the error file.
        Assert.True(File.Exists(errorFile), "no error file while the revision is held back\n" + p.Diagnostics());
        Assert.Contains(second, File.ReadAllText(errorFile), StringComparison.Ordinal);

        File.WriteAllText(allow, "");
        await WaitForHashAsync(p, link, second);
        Layout.AssertPublished(link, second, p.Diagnostics);
        Layout.AssertFile(link, "file", "v2", p.Diagnostics);
        await WaitForMetricAsync(port, HookRuns, "name=\"pre-publish-exechook\",status=\"success\"", v => v == 2, "counts both passes", p);
        metrics = await MetricsScraper.ScrapeAsync(port);
        Assert.True(MetricsScraper.Value(metrics, SyncCount, "status=\"error\"") == 0, Dump(metrics, p));
        await Poll.UntilAsync(() => !File.Exists(errorFile), "the error file is removed once the revision is published", p.Diagnostics);
    }

    [Fact]
    public async Task A_newer_hash_replaces_the_one_being_retried()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("approved", "yes");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string runs = NewDir("log").Combine("runs");
        // Only trees that carry an "approved" file may be published.
        string hook = Script($"""
            echo "$GITSYNC_HASH" >> '{runs}'
            test -e approved
            """);

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms",
            "--pre-publish-exechook-command=" + hook, "--pre-publish-exechook-backoff=1s"));
        await WaitForHashAsync(p, link, first);

        string rejected = repo.Remove("approved");
        await Poll.UntilAsync(() => Lines(runs).Count(l => l == rejected) >= 2, "the unapproved hash is retried", p.Diagnostics);
        Layout.AssertPublished(link, first, p.Diagnostics);

        string third = repo.Commit("approved", "again");
        await WaitForHashAsync(p, link, third);
        List<string> lines = [.. Lines(runs)];
        int firstThird = lines.IndexOf(third);
        Assert.True(lines.Skip(firstThird).All(l => l == third), $"the replaced hash ran after the newer one arrived: {string.Join(", ", lines)}");
        Assert.False(p.HasExited, p.Diagnostics());
    }

    [Fact]
    public async Task A_crash_between_hook_and_publish_reruns_the_hook_on_restart()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        await RunOnceAsync(repo, root, "--link=link");
        string second = repo.Commit("file", "v2");

        TempDir log = NewDir("log");
        string runs = log.Combine("runs");
        string crashed = log.Combine("crashed");
        // The first time, the hook does its work and then kills git-sync (found by walking up
        // the parent chain) before git-sync can publish: a crash right between hook and publish.
        string hook = Script($"""
            echo "$GITSYNC_HASH" >> '{runs}'
            if [ ! -e '{crashed}' ]; then
              : > '{crashed}'
              pid=$PPID
              while [ "$pid" -gt 1 ] && [ "$(cat /proc/$pid/comm)" != "git-sync" ]; do
                pid=$(cut -d' ' -f4 /proc/$pid/stat)
              done
              kill -KILL "$pid"
            fi
            exit 0
            """);

        GitSyncProcess crashing = await RunAsync(Args(repo, root, "--one-time", "--link=link", "--pre-publish-exechook-command=" + hook));
        Assert.True(File.Exists(crashed), "the hook did not run\n" + crashing.Diagnostics());
        Assert.True(crashing.ExitCode == 137 || crashing.ExitCode < 0 || crashing.ExitCode > 128, $"git-sync was not killed: exit {crashing.ExitCode}\n{crashing.Diagnostics()}");
        Layout.AssertPublished(link, first, crashing.Diagnostics);

        GitSyncProcess restarted = await RunOnceAsync(repo, root, "--link=link", "--pre-publish-exechook-command=" + hook);

        Layout.AssertPublished(link, second, restarted.Diagnostics);
        Layout.AssertFile(link, "file", "v2", restarted.Diagnostics);
        Assert.Equal([second, second], Lines(runs));
    }

    [Fact]
    public async Task One_time_exits_1_and_publishes_nothing_when_the_hook_fails()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string runs = NewDir("log").Combine("runs");
        string hook = Script($"""
            echo "$GITSYNC_HASH" >> '{runs}'
            exit 3
            """);

        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time", "--link=link", "--pre-publish-exechook-command=" + hook, "--pre-publish-exechook-backoff=1s"));

        Assert.True(p.ExitCode == 1, $"expected exit 1, got {p.ExitCode}\n{p.Diagnostics()}");
        Assert.True(Layout.IsAbsent(Path.Combine(root, "link")), "a rejected revision must not be published\n" + p.Diagnostics());
        Assert.Single(Lines(runs));
    }

    private static string Dump(IReadOnlyDictionary<string, double> metrics, GitSyncProcess p) => DumpMetrics(metrics) + "\n" + p.Diagnostics();
}
