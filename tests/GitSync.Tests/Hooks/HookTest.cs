using System.Diagnostics;
using System.Globalization;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Hooks;

/// <summary>
/// Base for the hook tests: writes hook scripts, hands out sleep durations no other process
/// uses (so a hung hook's child can be found in /proc and asserted gone), and kills such
/// leftovers at the end. Hooks and git run in sessions of their own, so killing git-sync's
/// session (what <see cref="GitSyncProcess.Kill"/> does) does not reach them.
/// </summary>
public abstract class HookTest : EndToEndTest
{
    private readonly StrayProcesses _strays;

    protected HookTest(ITestOutputHelper output)
        : base(output) => _strays = Own(new StrayProcesses());

    /// <summary>
    /// Writes an executable POSIX sh script with <paramref name="body"/> into a fresh directory and
    /// returns its absolute path (what <c>--exechook-command</c> takes: a path, no arguments).
    /// </summary>
    protected string Script(string body, string name = "hook.sh") => WriteScript(NewDir("hook").Combine(name), body);

    protected static string WriteScript(string path, string body)
    {
        File.WriteAllText(path, "#!/bin/sh\n" + body.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                   UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
                                   UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }

    /// <summary>
    /// A <c>sleep</c> argument about 1000 s long that no other process on the machine uses; the
    /// processes carrying it are killed when the test ends.
    /// </summary>
    protected string UniqueSleep()
    {
        string token = "1000." + Random.Shared.Next(100000, 999999).ToString(CultureInfo.InvariantCulture);
        _strays.Add(token);
        return token;
    }

    /// <summary>Lines of a log a hook appends to (empty when the hook has not run yet).</summary>
    protected static IReadOnlyList<string> Lines(string path) =>
        File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0).ToList() : [];

    /// <summary>The canonical path of <paramref name="path"/>, every symlink resolved (<c>realpath</c>).</summary>
    protected static string RealPath(string path)
    {
        var info = new ProcessStartInfo("realpath") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(path);
        using Process process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        process.StandardOutput.Dispose();
        Assert.True(process.ExitCode == 0, $"realpath {path} failed");
        return output;
    }

    /// <summary>
    /// Polls <c>/metrics</c> until the sample satisfies <paramref name="condition"/>. Counters
    /// move just after what the test can observe (a hook's own output, a webhook hit, the link),
    /// so they are waited for rather than read once.
    /// </summary>
    protected static Task WaitForMetricAsync(int port, string name, string labels, Func<double, bool> condition, string what, GitSyncProcess p)
    {
        IReadOnlyDictionary<string, double>? last = null;
        return Poll.UntilAsync(
            async () =>
            {
                last = await MetricsScraper.ScrapeAsync(port);
                return condition(MetricsScraper.Value(last, name, labels));
            },
            $"{name}{{{labels}}} {what}",
            () => DumpMetrics(last) + "\n" + p.Diagnostics());
    }

    /// <summary>The git_* samples of a scrape, one per line, for assertion messages.</summary>
    protected static string DumpMetrics(IReadOnlyDictionary<string, double>? metrics) =>
        metrics is null ? "(no scrape)" : string.Join('\n', metrics.Where(m => m.Key.StartsWith("git_", StringComparison.Ordinal)).Select(m => $"{m.Key} {m.Value}"));

    /// <summary>Times <paramref name="count"/> GETs of <c>/</c> (after one warm-up request on the same connection).</summary>
    protected static async Task<(List<double> Millis, List<int> Statuses)> TimeReadinessAsync(int port, int count)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var uri = new Uri($"http://127.0.0.1:{port}/");
        using (await http.GetAsync(uri))
        {
        }

        var millis = new List<double>();
        var statuses = new List<int>();
        for (int i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            using HttpResponseMessage response = await http.GetAsync(uri);
            _ = await response.Content.ReadAsStringAsync();
            millis.Add(clock.Elapsed.TotalMilliseconds);
            statuses.Add((int)response.StatusCode);
        }

        return (millis, statuses);
    }

    /// <summary>
    /// Asserts the endpoint answered quickly: every request within 100 ms, except that a loaded CI
    /// machine may push two of them to under a second (an endpoint blocked by the sync or the hook
    /// would take the whole stall, many seconds, on every request).
    /// </summary>
    protected static void AssertAnsweredPromptly(List<double> millis, GitSyncProcess p)
    {
        string detail = "request times (ms): " + string.Join(", ", millis.Select(m => m.ToString("0.0", CultureInfo.InvariantCulture)));
        Assert.True(millis.Count(m => m > 100) <= 2, detail + "\n" + p.Diagnostics());
        Assert.True(millis.All(m => m < 1000), detail + "\n" + p.Diagnostics());
    }

    /// <summary>Kills, at the end of a test, every live process whose arguments carry one of the tokens.</summary>
    private sealed class StrayProcesses : IDisposable
    {
        private readonly List<string> _tokens = [];

        public void Add(string token)
        {
            lock (_tokens)
            {
                _tokens.Add(token);
            }
        }

        public void Dispose()
        {
            List<string> tokens;
            lock (_tokens)
            {
                tokens = [.. _tokens];
            }

            foreach (int pid in tokens.SelectMany(ProcessTable.WithArgument))
            {
                Libc.Kill(pid, Libc.SIGKILL);
            }
        }
    }
}
