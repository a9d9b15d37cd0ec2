using System.Formats.Tar;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Hooks;

/// <summary>
/// --exechook-command against the real binary: when it runs, with what environment and working
/// directory, retries, --one-time, start-up on an already-synced root, relative paths, timeouts.
/// </summary>
public sealed class ExecHookTests(ITestOutputHelper output) : HookTest(output)
{
    private const string NoopSyncs = "git_sync_count_total";

    [Fact]
    public async Task Runs_once_per_new_hash_in_the_new_worktree()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string runs = NewDir("log").Combine("runs");
        // Like upstream's e2e hook: copy a file of the tree into the tree, log one line per run.
        string hook = Script($"""
            cat file > exechook
            echo "$GITSYNC_HASH" >> '{runs}'
            """);
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--exechook-command=" + hook,
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, link, first);
        await Poll.UntilAsync(() => Lines(runs).Count == 1, "the hook runs for the first hash", p.Diagnostics);
        Layout.AssertFile(link, "exechook", "v1", p.Diagnostics);

        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, second);
        await Poll.UntilAsync(() => Lines(runs).Count == 2, "the hook runs for the second hash", p.Diagnostics);
        Layout.AssertFile(link, "exechook", "v2", p.Diagnostics);

        // Unchanged polls are not updates: several of them later the hook still ran twice.
        double noops = MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), NoopSyncs, "status=\"noop\"");
        await Poll.UntilAsync(
            async () => MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), NoopSyncs, "status=\"noop\"") >= noops + 5,
            "five more unchanged polls happen",
            p.Diagnostics);
        Assert.Equal([first, second], Lines(runs));
    }

    [Fact]
    public async Task Passes_the_hash_and_inherited_environment_and_runs_in_the_worktree()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string report = NewDir("log").Combine("report");
        string hook = Script($"""
            printf '%s\n' "$GITSYNC_HASH" "$ENVKEY" "$(pwd -P)" > '{report}'
            """);

        GitSyncProcess p = await RunAsync(
            Args(repo, root, "--one-time", "--link=link", "--exechook-command=" + hook),
            new Dictionary<string, string?> { ["ENVKEY"] = "envval" });
        Assert.True(p.ExitCode == 0, $"expected exit 0, got {p.ExitCode}\n{p.Diagnostics()}");

        IReadOnlyList<string> lines = Lines(report);
        Assert.True(lines.Count == 3, "the hook did not report\n" + p.Diagnostics());
        Assert.Equal(head, lines[0]);
        Assert.Equal("envval", lines[1]);
        Assert.Equal(RealPath(Layout.ResolvedTarget(link)!), lines[2]);
    }

    [Fact]
    public async Task Accepts_the_v3_sync_hook_command_flag()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string runs = NewDir("log").Combine("runs");
        string hook = Script($"""echo "$GITSYNC_HASH" >> '{runs}'""");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--sync-hook-command=" + hook);

        Assert.True(Lines(runs).SequenceEqual([head]), $"hook runs: [{string.Join(", ", Lines(runs))}]\n{p.Diagnostics()}");
    }

    [Fact]
    public async Task Retries_a_failing_hook_after_the_backoff_until_it_succeeds()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        TempDir log = NewDir("log");
        string runs = log.Combine("runs");
        string fixedFlag = log.Combine("fixed");
        string hook = Script($"""
            if [ -e '{fixedFlag}' ]; then echo "ok $GITSYNC_HASH" >> '{runs}'; exit 0; fi
            echo "fail $GITSYNC_HASH" >> '{runs}'
            exit 1
            """);

        string errorFile = log.Combine("error.json");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--exechook-command=" + hook, "--exechook-backoff=1s",
            "--error-file=" + errorFile));
        await Poll.UntilAsync(() => Lines(runs).Count >= 2, "the failing hook is retried", p.Diagnostics);
        Assert.All(Lines(runs), line => Assert.Equal("fail " + head, line));
        Assert.False(p.HasExited, "a failing hook is not a sync failure\n" + p.Diagnostics());
        // As upstream: exec hook failures are logged, not written to the error file (docs/hooks.md).
        Assert.False(File.Exists(errorFile), "the error file was written for a hook failure\n" + p.Diagnostics());

        File.WriteAllText(fixedFlag, "");
        await Poll.UntilAsync(() => Lines(runs).Contains("ok " + head), "the retried hook succeeds", p.Diagnostics);
    }

    [Fact]
    public async Task Retries_with_the_newest_hash_when_one_arrives_during_the_backoff()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string runs = NewDir("log").Combine("runs");
        // Fails for every tree without an "approved" file.
        string hook = Script($"""
            echo "$GITSYNC_HASH" >> '{runs}'
            test -e approved
            """);

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--exechook-command=" + hook, "--exechook-backoff=1s"));
        await Poll.UntilAsync(() => Lines(runs).Count >= 2, "the hook fails and is retried for the first hash", p.Diagnostics);

        string second = repo.Commit("approved", "yes");
        await WaitForHashAsync(p, link, second);
        await Poll.UntilAsync(() => Lines(runs).Contains(second), "the hook runs for the newer hash", p.Diagnostics);
        IReadOnlyList<string> lines = Lines(runs);
        int firstNew = lines.ToList().IndexOf(second);
        Assert.True(lines.Skip(firstNew).All(l => l == second), $"the older hash was retried after the newer one arrived: {string.Join(", ", lines)}");
        Assert.All(lines.Take(firstNew), l => Assert.Equal(first, l));
    }

    [Fact]
    public async Task Skips_hashes_superseded_while_the_hook_was_running()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        TempDir log = NewDir("log");
        string runs = log.Combine("runs");
        string hold = log.Combine("hold");
        // The first run blocks until the test lets go of it.
        string hook = Script($"""
            echo "start $GITSYNC_HASH" >> '{runs}'
            while [ -e '{hold}' ]; do sleep 0.05; done
            echo "end $GITSYNC_HASH" >> '{runs}'
            """);
        File.WriteAllText(hold, "");

        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--exechook-command=" + hook,
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await Poll.UntilAsync(() => Lines(runs).Contains("start " + first), "the hook starts for the first hash", p.Diagnostics);
        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, second);
        string third = repo.Commit("file", "v3");
        await WaitForHashAsync(p, link, third);
        // The link moves just before the hash is handed to the hooks; the next unchanged poll
        // comes after that hand-over.
        double noops = MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), NoopSyncs, "status=\"noop\"");
        await WaitForMetricAsync(port, NoopSyncs, "status=\"noop\"", v => v > noops, "counts a poll after the third hash", p);
        File.Delete(hold);

        await Poll.UntilAsync(() => Lines(runs).Contains("end " + third), "the hook runs for the newest hash", p.Diagnostics);
        Assert.Equal(["start " + first, "end " + first, "start " + third, "end " + third], Lines(runs));
    }

    [Fact]
    public async Task One_time_waits_for_the_hook_and_exits_0()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string runs = NewDir("log").Combine("runs");
        string hook = Script($"""
            sleep 1
            cat file > exechook
            echo "$GITSYNC_HASH" >> '{runs}'
            """);

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--exechook-command=" + hook);

        Layout.AssertPublished(link, head, p.Diagnostics);
        Layout.AssertFile(link, "exechook", "v1", p.Diagnostics);
        Assert.Equal([head], Lines(runs));
    }

    [Fact]
    public async Task One_time_exits_1_when_the_hook_fails_and_runs_it_only_once()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string runs = NewDir("log").Combine("runs");
        string hook = Script($"""
            sleep 1
            echo "$GITSYNC_HASH" >> '{runs}'
            exit 1
            """);

        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time", "--link=link", "--exechook-command=" + hook, "--exechook-backoff=1s"));

        Assert.True(p.ExitCode == 1, $"expected exit 1, got {p.ExitCode}\n{p.Diagnostics()}");
        // The sync itself succeeded: the tree is published all the same.
        Layout.AssertPublished(link, head, p.Diagnostics);
        Layout.AssertFile(link, "file", "v1", p.Diagnostics);
        Assert.Equal([head], Lines(runs));
    }

    [Fact]
    public async Task Runs_the_hook_once_at_start_up_after_a_crash_on_an_already_synced_root()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string runs = NewDir("log").Combine("runs");
        string hook = Script($"""echo "$GITSYNC_HASH" >> '{runs}'""");

        // First life: no hook; dies hard once the tree is published.
        GitSyncProcess first = Start(Args(repo, root, "--link=link", "--period=100ms"));
        await WaitForHashAsync(first, link, head);
        first.Kill();

        // Second life, same revision: nothing to rebuild, but the hook must still hear about it, once.
        int port = Ports.Free();
        GitSyncProcess second = Start(Args(repo, root, "--link=link", "--period=100ms", "--exechook-command=" + hook,
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await Poll.UntilAsync(() => Lines(runs).Count >= 1, "the hook runs at start-up", second.Diagnostics);
        await Poll.UntilAsync(
            async () => MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), NoopSyncs, "status=\"noop\"") >= 5,
            "five unchanged polls happen",
            second.Diagnostics);
        Assert.Equal([head], Lines(runs));
        Layout.AssertPublished(link, head, second.Diagnostics);
    }

    [Fact]
    public async Task Runs_the_hook_at_start_up_of_a_one_time_run_on_an_already_synced_root()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string runs = NewDir("log").Combine("runs");
        string hook = Script($"""echo "$GITSYNC_HASH" >> '{runs}'""");

        await RunOnceAsync(repo, root, "--link=link");
        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--exechook-command=" + hook);

        Assert.True(Lines(runs).SequenceEqual([head]), $"hook runs: [{string.Join(", ", Lines(runs))}]\n{p.Diagnostics()}");
    }

    [Fact]
    public async Task Hook_can_run_git_archive_in_the_worktree()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit(new Dictionary<string, string> { ["file"] = "v1", ["dir/nested"] = "nested" });
        string root = NewDir().Path;
        string archive = NewDir("out").Combine("tree.tar");
        string hook = Script($"""git archive --format=tar -o '{archive}' "$GITSYNC_HASH" """);

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--exechook-command=" + hook);

        Assert.True(File.Exists(archive), "the hook wrote no archive\n" + p.Diagnostics());
        var entries = new Dictionary<string, string>();
        await using (FileStream stream = File.OpenRead(archive))
        {
            using var reader = new TarReader(stream);
            while (await reader.GetNextEntryAsync() is { } entry)
            {
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is not null)
                {
                    using var text = new StreamReader(entry.DataStream);
                    entries[entry.Name] = await text.ReadToEndAsync();
                }
            }
        }

        Assert.Equal(repo.Files(head), entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("v1", entries["file"]);
        Assert.Equal("nested", entries["dir/nested"]);
    }

    [Fact]
    public async Task Resolves_a_relative_hook_path_against_the_new_worktree()
    {
        using TestRepo repo = NewRepo();
        string output = NewDir("out").Combine("said");
        // The hook is a script committed in the repo; each revision carries its own version.
        string Commit(string word)
        {
            WriteScript(Path.Combine(repo.Path, "hooks", "on-sync.sh"), $"""echo "{word} $GITSYNC_HASH" > '{output}'""");
            return repo.Commit("file", word);
        }

        Directory.CreateDirectory(Path.Combine(repo.Path, "hooks"));
        string first = Commit("one");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--exechook-command=hooks/on-sync.sh"));
        await WaitForHashAsync(p, link, first);
        await Poll.UntilAsync(() => File.Exists(output) && File.ReadAllText(output).Trim() == "one " + first, "the committed hook runs", p.Diagnostics);

        string second = Commit("two");
        await WaitForHashAsync(p, link, second);
        await Poll.UntilAsync(() => File.ReadAllText(output).Trim() == "two " + second, "the new revision's hook runs", p.Diagnostics);
    }

    [Fact]
    public async Task A_hook_that_leaves_a_background_child_holding_its_output_still_completes()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string sleep = UniqueSleep();
        // Starts something long-lived (a daemon, say) that inherits the hook's stdout and
        // stderr, and exits 0 at once. The hook is done; git-sync must not wait on the child.
        string hook = Script($"""
            sleep {sleep} &
            exit 0
            """);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // The child outlives the hook by far (UniqueSleep is 1000 s) and the hook timeout is long,
        // so a git-sync that waited on the child's pipes would take minutes or report a timeout.
        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time", "--link=link", "--exechook-command=" + hook, "--exechook-timeout=300s"));

        Assert.True(p.ExitCode == 0, $"expected exit 0, got {p.ExitCode}\n{p.Diagnostics()}");
        Assert.DoesNotContain(p.StderrLines, l => l.Contains("timed out", StringComparison.OrdinalIgnoreCase));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"git-sync waited {clock.Elapsed.TotalSeconds:0.0}s for the hook's background child\n{p.Diagnostics()}");
        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
    }

    [Fact]
    public async Task Timeout_kills_the_hooks_whole_process_tree()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        TempDir log = NewDir("log");
        string started = log.Combine("started");
        string finished = log.Combine("finished");
        string sleep = UniqueSleep();
        // The hook waits on a child of its own: the timeout must take the child down too.
        string hook = Script($"""
            sleep {sleep} &
            echo "$!" > '{started}'
            wait
            : > '{finished}'
            """);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time", "--link=link", "--exechook-command=" + hook, "--exechook-timeout=1s"));

        Assert.True(p.ExitCode == 1, $"a timed-out hook is a failed hook: expected exit 1, got {p.ExitCode}\n{p.Diagnostics()}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed.TotalSeconds:0.0}s\n{p.Diagnostics()}");
        Assert.True(File.Exists(started), "the hook never started\n" + p.Diagnostics());
        await Poll.UntilAsync(
            () => ProcessTable.WithArgument(sleep).Count == 0,
            TimeSpan.FromSeconds(5),
            $"the hook's child (sleep {sleep}) is gone",
            p.Diagnostics);
        Assert.False(File.Exists(finished), "the hook ran to completion instead of being killed");
        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
    }
}
