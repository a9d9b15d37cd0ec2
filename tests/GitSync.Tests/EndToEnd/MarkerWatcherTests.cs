using System.Diagnostics;
using System.Globalization;
using System.Text;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>
/// <c>--marker-file</c> for watchers: an inotify watcher on the marker's directory sees one
/// rename per publish, 100 of 100, in both modes. Kept cheap: the 99 commits are made up front
/// in one <c>git fast-import</c>, each step moves the branch (one <c>update-ref</c>) and asks
/// for a sync at once (<c>--sync-on-signal</c>), and the test waits for that publish's marker
/// before the next step, so every publish is a separate one and no time goes to polling.
/// </summary>
public sealed class MarkerWatcherTests(ITestOutputHelper output) : EndToEndTest(output)
{
    private const int Publishes = 100;

    private static string Marker(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllLines(path)[0] : "";
        }
        catch (IOException)
        {
            // Replaced between the check and the read.
            return "";
        }
    }

    [Theory]
    [InlineData("link")]
    [InlineData("copy")]
    public async Task A_watcher_on_the_marker_sees_every_one_of_100_publishes(string mode)
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("counter", "0");
        List<string> steps = StageCommits(repo, Publishes - 1);
        string root = NewDir().Path;
        string markers = Path.Combine(root, "markers");
        Directory.CreateDirectory(markers);
        string marker = Path.Combine(markers, "published");

        using var watcher = await InotifyWatcher.StartAsync(markers);
        // The period is only a safety net: each step signals a sync.
        GitSyncProcess p = Start(Args(repo, root, "--link=site", "--publish=" + mode, "--marker-file=markers/published",
            "--period=2s", "--sync-on-signal=SIGHUP", "--git-gc=off"));
        await Poll.UntilAsync(() => Marker(marker) == first, "the first publish", p.Diagnostics);
        for (int n = 0; n < steps.Count; n++)
        {
            string expected = steps[n];
            repo.Git("update-ref", "refs/heads/main", expected);
            p.SendSignal(Libc.SIGHUP);
            await Poll.UntilAsync(() => Marker(marker) == expected, $"publish {n + 2} of {Publishes}", p.Diagnostics);
        }

        // The last event may still be on its way from the kernel.
        await Poll.UntilAsync(() => watcher.Count("published") >= Publishes, $"{Publishes} marker events",
            () => $"{watcher.Count("published")} events\n{p.Diagnostics()}");
        Assert.Equal(Publishes, watcher.Count("published"));
        if (mode == "copy")
        {
            string? difference = CopyLayout.DifferenceFromCommit(Path.Combine(root, "site"), repo, steps[^1]);
            Assert.True(difference is null, difference);
        }
    }

    /// <summary>
    /// <paramref name="count"/> commits on top of HEAD, each changing <c>counter</c>, written by
    /// one <c>git fast-import</c> to a side branch (the synced branch does not move); oldest first.
    /// </summary>
    private List<string> StageCommits(TestRepo repo, int count)
    {
        var stream = new StringBuilder();
        for (int n = 1; n <= count; n++)
        {
            string content = n.ToString(CultureInfo.InvariantCulture) + "\n";
            string message = "step " + n.ToString(CultureInfo.InvariantCulture) + "\n";
            stream.Append("commit refs/heads/staged\n")
                .Append(CultureInfo.InvariantCulture, $"committer tests <tests@git-sync.invalid> {1700000000 + n} +0000\n")
                .Append(CultureInfo.InvariantCulture, $"data {message.Length}\n{message}");
            if (n == 1)
            {
                stream.Append(CultureInfo.InvariantCulture, $"from {repo.Head}\n");
            }
            stream.Append(CultureInfo.InvariantCulture, $"M 100644 inline counter\ndata {content.Length}\n{content}\n");
        }
        string file = NewDir("stream").Combine("commits");
        File.WriteAllText(file, stream.ToString());
        var import = new ProcessStartInfo("sh", ["-c", "exec \"$0\" -C \"$1\" fast-import --quiet < \"$2\"", LocalGit.Executable, repo.Path, file])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        };
        import.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        import.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        using Process process = Process.Start(import)!;
        string stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)) && process.ExitCode == 0, "git fast-import failed: " + stderr);
        List<string> hashes = [.. repo.Git("rev-list", "--reverse", "HEAD..staged").Split('\n', StringSplitOptions.RemoveEmptyEntries)];
        Assert.Equal(count, hashes.Count);
        return hashes;
    }

    /// <summary><c>inotifywait -m -e moved_to</c> on a directory (inotify-tools, scripts/install-deps.sh): one line per name renamed into it.</summary>
    private sealed class InotifyWatcher : IDisposable
    {
        private readonly Process _process;
        private readonly List<string> _events = [];

        private InotifyWatcher(Process process) => _process = process;

        public static async Task<InotifyWatcher> StartAsync(string directory)
        {
            var start = new ProcessStartInfo("inotifywait", ["-m", "-e", "moved_to", "--format", "%f", directory])
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var watcher = new InotifyWatcher(Process.Start(start)!);
            var established = new TaskCompletionSource();
            watcher._process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (watcher._events)
                    {
                        watcher._events.Add(e.Data);
                    }
                }
            };
            watcher._process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data?.Contains("Watches established", StringComparison.Ordinal) == true)
                {
                    established.TrySetResult();
                }
            };
            watcher._process.BeginOutputReadLine();
            watcher._process.BeginErrorReadLine();
            try
            {
                await established.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                watcher.Dispose();
                throw;
            }
            return watcher;
        }

        public int Count(string name)
        {
            lock (_events)
            {
                return _events.Count(e => e == name);
            }
        }

        public void Dispose()
        {
            try
            {
                _process.Kill();
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            _process.Dispose();
        }
    }
}
