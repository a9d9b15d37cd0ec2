using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>--sync-on-signal triggers, clean stops on SIGTERM/SIGINT, and zombie reaping as PID 1.</summary>
public sealed class SignalTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Theory]
    [InlineData("SIGHUP")]
    [InlineData("HUP")]
    [InlineData("1")]
    public async Task Syncs_immediately_on_configured_signal(string signalName)
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100s", "--sync-on-signal=" + signalName));
        await WaitForHashAsync(p, link, first);

        string second = repo.Commit("file", "v2");
        // Time passing is the point: with a 100 s period nothing may happen on its own.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(first, Layout.PublishedHash(link));

        p.SendSignal(Libc.SIGHUP);
        await WaitForHashAsync(p, link, second);
        Layout.AssertPublished(link, second, p.Diagnostics);

        // The trigger is reusable.
        string third = repo.Commit("file", "v3");
        p.SendSignal(Libc.SIGHUP);
        await WaitForHashAsync(p, link, third);
    }

    [Fact]
    public async Task A_signalled_sync_fetches_at_once_without_probing_and_reads_the_fetched_commit_itself()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        GitWrapper git = GitWrapper.Create(NewDir("wrapper"));
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100s", "--sync-on-signal=SIGHUP", "--git=" + git.Path));
        await WaitForHashAsync(p, link, first);
        // Nothing to clean up after the first sync: its git commands all ran before the link moved.
        int before = git.Invocations().Count;

        string second = repo.Commit("file", "v2");
        p.SendSignal(Libc.SIGHUP);
        await WaitForHashAsync(p, link, second);

        IReadOnlyList<string> during = [.. git.Invocations().Skip(before)];
        Output.WriteLine(string.Join('\n', during));
        // A signal says the ref moved: no ls-remote round trip before the fetch, and the small
        // fetch's commit is read from FETCH_HEAD and the loose object, not by rev-parse.
        Assert.DoesNotContain(during, line => line.StartsWith("ls-remote", StringComparison.Ordinal));
        Assert.Contains(during, line => line.StartsWith("fetch ", StringComparison.Ordinal));
        Assert.DoesNotContain(during, line => line.StartsWith("rev-parse FETCH_HEAD", StringComparison.Ordinal));
        Layout.AssertPublished(link, second, p.Diagnostics);
    }

    [Theory]
    [InlineData("nohup")]
    [InlineData("env", "--ignore-signal=HUP")]
    public async Task Syncs_on_SIGHUP_even_when_started_with_SIGHUP_ignored(params string[] launcher)
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        // Started the way nohup and some init wrappers start programs: SIGHUP ignored. Go's
        // signal.Notify (upstream) takes the signal back; so must we.
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100s", "--sync-on-signal=SIGHUP"), launcher: launcher);
        await WaitForHashAsync(p, link, first);

        string second = repo.Commit("file", "v2");
        p.SendSignal(Libc.SIGHUP);
        await WaitForHashAsync(p, link, second);
        Assert.False(p.HasExited, p.Diagnostics());
    }

    [Fact]
    public async Task Signal_during_a_sync_triggers_another_sync_right_after()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        TempDir dir = NewDir("wrapper");
        string inFetch = dir.Combine("in-fetch");
        // Each fetch runs, then announces itself and lingers for a second: the sync is still in
        // progress but has already read the ref, so the test can signal mid-sync.
        GitWrapper git = GitWrapper.Create(dir, $$"""
            case "$SUBCOMMAND" in
              fetch) '{{LocalGit.Executable}}' "$@"; rc=$?; : > '{{inFetch}}'; sleep 1; exit $rc ;;
            esac
            """);

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100s", "--sync-on-signal=SIGHUP", "--git=" + git.Path));
        await WaitForHashAsync(p, link, first);

        string second = repo.Commit("file", "v2");
        File.Delete(inFetch);
        p.SendSignal(Libc.SIGHUP);
        await Poll.UntilAsync(() => File.Exists(inFetch), "the triggered sync is fetching", p.Diagnostics);
        // This commit lands after the running sync fetched; only a second sync can see it.
        string third = repo.Commit("file", "v3");
        p.SendSignal(Libc.SIGHUP);

        await WaitForHashAsync(p, link, third);
        Assert.NotEqual(second, third);
        Layout.AssertFile(link, "file", "v3");
    }

    [Theory]
    [InlineData(Libc.SIGTERM)]
    [InlineData(Libc.SIGINT)]
    public async Task Exits_promptly_on_termination_signal_leaving_link_intact(int signal)
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms"));
        await WaitForHashAsync(p, link, head);

        p.SendSignal(signal);

        Assert.True(await p.ExitsWithinAsync(TimeSpan.FromSeconds(5)), "git-sync did not stop within 5 s of the signal\n" + p.Diagnostics());
        Layout.AssertPublished(link, head, p.Diagnostics);
        Layout.AssertFile(link, "file", "v1");
    }

    [Fact]
    public async Task Stops_promptly_on_SIGTERM_during_a_slow_fetch_without_breaking_the_link()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        TempDir dir = NewDir("wrapper");
        string slowFlag = dir.Combine("be-slow");
        string inFetch = dir.Combine("in-fetch");
        string sleep = "31." + Random.Shared.Next(100000, 999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        GitWrapper git = GitWrapper.Create(dir, $$"""
            case "$SUBCOMMAND" in
              fetch|ls-remote) if [ -e '{{slowFlag}}' ]; then : > '{{inFetch}}'; sleep {{sleep}}; fi ;;
            esac
            """);

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--git=" + git.Path));
        await WaitForHashAsync(p, link, first);
        File.WriteAllText(slowFlag, "");
        repo.Commit("file", "v2");
        await Poll.UntilAsync(() => File.Exists(inFetch), "a slow fetch is in progress", p.Diagnostics);

        p.SendSignal(Libc.SIGTERM);

        Assert.True(await p.ExitsWithinAsync(TimeSpan.FromSeconds(5)), "git-sync did not stop within 5 s of SIGTERM during a fetch\n" + p.Diagnostics());
        Layout.AssertPublished(link, first, p.Diagnostics);
        Layout.AssertFile(link, "file", "v1");
        await Poll.UntilAsync(
            () => ProcessTable.WithArgument(sleep).Count == 0,
            TimeSpan.FromSeconds(3),
            "the interrupted git's children are gone",
            p.Diagnostics);
    }

    [Fact]
    public async Task Reaps_orphaned_grandchildren_when_running_as_pid_1()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        TempDir dir = NewDir("wrapper");
        // Every git call leaves an orphan behind that exits shortly after; as PID 1 git-sync
        // inherits it and must reap it, or zombies pile up in the pod.
        GitWrapper git = GitWrapper.Create(dir, "sh -c 'sleep 0.2 </dev/null >/dev/null 2>&1 &'");

        GitSyncProcess p = Start(
            Args(repo, root, "--link=link", "--period=100ms", "--git=" + git.Path),
            launcher: ["unshare", "--pid", "--fork", "--mount-proc"]);
        await WaitForHashAsync(p, link, head);

        // git-sync is the child of the unshare launcher.
        int gitSyncPid = 0;
        await Poll.UntilAsync(
            () => (gitSyncPid = ProcessTable.Snapshot().FirstOrDefault(e => e.ParentPid == p.Pid && !e.IsZombie)?.Pid ?? 0) != 0,
            "git-sync runs as PID 1 under unshare",
            p.Diagnostics);
        // The orphans really are adopted by git-sync (otherwise this test proves nothing).
        await Poll.UntilAsync(
            () => ProcessTable.Snapshot().Any(e => e.ParentPid == gitSyncPid && ProcessTable.CommandLine(e.Pid).FirstOrDefault() == "sleep"),
            "an orphaned sleep is adopted by git-sync",
            p.Diagnostics);
        int invocations = git.Invocations().Count;
        await Poll.UntilAsync(() => git.Invocations().Count >= invocations + 10, "git-sync keeps running git (and leaving orphans)", p.Diagnostics);

        // A zombie may exist for an instant between exit and reaping, but not for a second.
        HashSet<int> before = Zombies(gitSyncPid);
        await Task.Delay(TimeSpan.FromSeconds(1));
        HashSet<int> lingering = Zombies(gitSyncPid);
        lingering.IntersectWith(before);

        Assert.True(lingering.Count == 0, $"{lingering.Count} zombie(s) were not reaped within 1 s: {string.Join(", ", lingering)}\n{p.Diagnostics()}");
        Assert.False(p.HasExited, p.Diagnostics());
    }

    private static HashSet<int> Zombies(int parent) =>
        [.. ProcessTable.Snapshot().Where(e => e.ParentPid == parent && e.IsZombie).Select(e => e.Pid)];
}
