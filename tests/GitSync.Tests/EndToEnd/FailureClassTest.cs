using System.Globalization;
using System.Text.Json;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>
/// Base for the failure-class tests: runs git-sync against a failure caused for real, retrying
/// forever with the HTTP endpoint on, until the failure shows in the error file and the
/// metric; then reads the log, the error file, <c>/status</c> and <c>/metrics</c>, and asserts
/// that each names the expected class and that no secret appears in any of them.
/// </summary>
public abstract class FailureClassTest(ITestOutputHelper output) : EndToEndTest(output)
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>What one failure left behind, as the user sees it.</summary>
    protected sealed record Observed(GitSyncProcess Process, JsonElement LogLine, JsonElement? ErrorFile, JsonElement Status, string StatusText, string ErrorFileText, string MetricsText, double Count)
    {
        public string Hint => LogLine.GetProperty("hint").GetString()!;
    }

    /// <summary>
    /// Starts git-sync with <paramref name="args"/> (no --root, --error-file or --http-* needed),
    /// waits until a failure of <paramref name="expectedClass"/> is counted, and asserts it is
    /// in the log, the error file (unless <paramref name="errorFile"/> is false), /status (unless
    /// <paramref name="inStatus"/> is false) and the metric, with none of <paramref name="secrets"/>.
    /// </summary>
    protected async Task<Observed> ObserveAsync(
        string expectedClass,
        IEnumerable<string> args,
        IReadOnlyCollection<string> secrets,
        IReadOnlyDictionary<string, string?>? env = null,
        IEnumerable<string>? launcher = null,
        string? root = null,
        string? errorFileDirectory = null,
        bool errorFile = true,
        bool inStatus = true)
    {
        root ??= NewDir().Path;
        string errorPath = Path.Combine(errorFileDirectory ?? NewDir("err").Path, "error.json");
        int port = Ports.Free();
        GitSyncProcess p = Start(
            [.. args, "--root=" + root, "--error-file=" + errorPath, "--http-bind=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
             "--http-metrics", "--max-failures=-1", "--period=1h", "--init-period=1h"],
            env, launcher);
        string Context() => p.Diagnostics();
        string metricsText = "";
        double count = 0;
        await Poll.UntilAsync(
            async () =>
            {
                if (p.HasExited)
                {
                    throw new Xunit.Sdk.XunitException($"git-sync exited ({p.ExitCode}) before counting a {expectedClass} failure\n{Context()}");
                }

                metricsText = await GetAsync(port, "/metrics");
                count = FailureCount(metricsText, expectedClass);
                return count >= 1 && p.StderrLines.Any(l => HasClass(l, expectedClass));
            },
            TimeSpan.FromSeconds(60),
            $"git-sync counts a {expectedClass} failure",
            () => $"metrics failures: {string.Join("; ", metricsText.Split('\n').Where(l => l.StartsWith("git_sync_failures_total", StringComparison.Ordinal)))}\n{Context()}");

        string statusText = await GetAsync(port, "/status");
        string logLine = p.StderrLines.First(l => HasClass(l, expectedClass));
        JsonElement log = JsonDocument.Parse(logLine).RootElement;
        Assert.False(string.IsNullOrWhiteSpace(log.GetProperty("hint").GetString()), "the log line has no hint\n" + logLine);
        Assert.True(log.TryGetProperty("error", out _), "the log line has no error field\n" + logLine);

        JsonElement status = JsonDocument.Parse(statusText).RootElement;
        if (inStatus)
        {
            Assert.True(status.GetProperty("lastErrorClass").GetString() == expectedClass, $"/status names another class\n{statusText}\n{Context()}");
            Assert.False(string.IsNullOrWhiteSpace(status.GetProperty("lastErrorHint").GetString()), "/status has no hint\n" + statusText);
        }

        JsonElement? errorJson = null;
        string errorText = File.Exists(errorPath) ? File.ReadAllText(errorPath) : "";
        if (errorFile)
        {
            Assert.True(errorText.Length > 0, "no error file\n" + Context());
            JsonElement e = JsonDocument.Parse(errorText).RootElement;
            // Upstream's three fields, as they were, then ours.
            Assert.Equal(["Msg", "Err", "Args", "Class", "Hint"], e.EnumerateObject().Select(x => x.Name));
            Assert.Equal(JsonValueKind.Object, e.GetProperty("Args").ValueKind);
            Assert.Equal(expectedClass, e.GetProperty("Class").GetString());
            Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("Err").GetString()));
            errorJson = e;
        }

        foreach (string secret in secrets)
        {
            foreach ((string where, string text) in new[] { ("log", p.Stderr), ("error file", errorText), ("/status", statusText), ("/metrics", metricsText) })
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"a secret appears in the {where}\n{text}");
            }
        }

        return new Observed(p, log, errorJson, status, statusText, errorText, metricsText, count);
    }

    private static bool HasClass(string line, string expectedClass) =>
        line.Contains($"\"class\":\"{expectedClass}\"", StringComparison.Ordinal);

    /// <summary>The value of <c>git_sync_failures_total{class="…"}</c> in a scrape (0 when absent).</summary>
    protected static double FailureCount(string metrics, string failureClass)
    {
        string prefix = $"git_sync_failures_total{{class=\"{failureClass}\"}} ";
        string? line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[prefix.Length..], CultureInfo.InvariantCulture);
    }

    private static async Task<string> GetAsync(int port, string path)
    {
        try
        {
            return await Client.GetStringAsync(new Uri($"http://127.0.0.1:{port}{path}"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return "";
        }
    }

    /// <summary>A directory an unprivileged user can reach and write in (temp dirs are 0700).</summary>
    protected TempDir SharedDir(string prefix = "shared")
    {
        TempDir dir = NewDir(prefix);
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0x1FF); // 0777
        return dir;
    }

    /// <summary>
    /// A launcher that runs git-sync as nobody (65534) from a copy of the binary in
    /// <paramref name="shared"/>, so file permissions apply; null when the tests already run unprivileged.
    /// </summary>
    protected static string[]? AsNobody(TempDir shared)
    {
        if (Libc.GetEuid() != 0)
        {
            return null;
        }

        string binary = shared.Combine("git-sync");
        if (!File.Exists(binary))
        {
            File.Copy(GitSyncProcess.BinaryPath, binary);
        }

        string launcher = shared.Combine("as-nobody.sh");
        // $1 is the binary path the harness passes; run the reachable copy instead.
        File.WriteAllText(launcher, $"#!/bin/sh\nshift\nexec setpriv --reuid=65534 --regid=65534 --clear-groups '{binary}' \"$@\"\n");
        File.SetUnixFileMode(launcher, (UnixFileMode)0x1ED); // 0755
        return [launcher];
    }
}
