using System.Diagnostics;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>--sync-timeout against a --git wrapper that makes network operations slow.</summary>
public sealed class SyncTimeoutTests(ITestOutputHelper output) : EndToEndTest(output)
{
    /// <summary>A wrapper whose fetch/ls-remote sleeps <paramref name="sleep"/> seconds (a slow remote).</summary>
    private GitWrapper SlowRemote(string sleep, out string marker)
    {
        TempDir dir = NewDir("wrapper");
        marker = dir.Combine("slow-op-started");
        return GitWrapper.Create(dir, $$"""
            case "$SUBCOMMAND" in
              fetch|ls-remote|clone) : > '{{marker}}'; sleep {{sleep}} ;;
            esac
            """);
    }

    [Fact]
    public async Task Fails_one_time_sync_when_git_is_slower_than_sync_timeout()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "content");
        string root = NewDir().Path;
        // A sleep duration no other process on the machine uses, to find it in /proc afterwards.
        string sleep = "7." + Random.Shared.Next(100000, 999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        GitWrapper git = SlowRemote(sleep, out string marker);
        var clock = Stopwatch.StartNew();

        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time", "--link=link", "--git=" + git.Path, "--sync-timeout=1s"));

        Assert.True(p.ExitCode == 1, $"expected exit 1 after the sync timeout, got {p.ExitCode}\n{p.Diagnostics()}");
        Assert.True(File.Exists(marker), "the slow git operation never started\n" + p.Diagnostics());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"git-sync took {clock.Elapsed.TotalSeconds:0.0}s: it waited for git instead of timing out\n{p.Diagnostics()}");
        Assert.True(Layout.IsAbsent(Path.Combine(root, "link")), "no link may be published\n" + p.Diagnostics());

        // The timeout kills git's children too (here: the wrapper's sleep).
        await Poll.UntilAsync(
            () => ProcessTable.WithArgument(sleep).Count == 0,
            TimeSpan.FromSeconds(3),
            $"the timed-out git's child (sleep {sleep}) is gone",
            p.Diagnostics);
    }

    [Fact]
    public async Task Succeeds_when_git_is_faster_than_sync_timeout()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "content");
        string root = NewDir().Path;
        GitWrapper git = SlowRemote("0.3", out string marker);

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--git=" + git.Path, "--sync-timeout=10s");

        Assert.True(File.Exists(marker), "the wrapper was not used for the fetch\n" + p.Diagnostics());
        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
    }

    [Fact]
    public async Task Keeps_serving_old_tree_and_recovers_after_a_timed_out_sync()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        TempDir dir = NewDir("wrapper");
        string slowFlag = dir.Combine("be-slow");
        // Slow only while the flag file exists, so the test can switch the slowness on and off.
        GitWrapper git = GitWrapper.Create(dir, $$"""
            case "$SUBCOMMAND" in
              fetch|ls-remote) if [ -e '{{slowFlag}}' ]; then sleep 60; fi ;;
            esac
            """);
        string errorFile = dir.Combine("error.json");

        // The timeout leaves a slow machine room for the first clone; the slow remote far outlasts it.
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--git=" + git.Path, "--sync-timeout=4s",
            "--period=100ms", "--max-failures=-1", "--error-file=" + errorFile));
        await WaitForHashAsync(p, link, first);

        File.WriteAllText(slowFlag, "");
        repo.Commit("file", "v2");
        await Poll.UntilAsync(() => File.Exists(errorFile), "a timed-out sync writes the error file", p.Diagnostics);
        Layout.AssertPublished(link, first, p.Diagnostics);
        Layout.AssertFile(link, "file", "v1");

        File.Delete(slowFlag);
        await WaitForHashAsync(p, link, repo.Head);
        Layout.AssertFile(link, "file", "v2");
        await Poll.UntilAsync(() => !File.Exists(errorFile), "the error file is removed after a success", p.Diagnostics);
    }
}
