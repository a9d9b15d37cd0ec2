using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>Flag syntax, environment binding, informational flags and configuration errors.</summary>
public sealed class CommandLineTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Fact]
    public async Task Prints_version_and_exits_zero()
    {
        GitSyncProcess p = await RunAsync(["--version"]);

        Assert.True(p.ExitCode == 0, p.Diagnostics());
        Assert.False(string.IsNullOrWhiteSpace(p.Stdout + p.Stderr), "--version printed nothing");
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("-?")]
    public async Task Prints_help_listing_flags_and_exits_zero(string flag)
    {
        GitSyncProcess p = await RunAsync([flag]);

        Assert.True(p.ExitCode == 0, p.Diagnostics());
        string text = p.Stdout + p.Stderr;
        Assert.Contains("--repo", text, StringComparison.Ordinal);
        Assert.Contains("--root", text, StringComparison.Ordinal);
        Assert.Contains("--period", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prints_manual_and_exits_zero()
    {
        GitSyncProcess p = await RunAsync(["--man"]);

        Assert.True(p.ExitCode == 0, p.Diagnostics());
        string text = p.Stdout + p.Stderr;
        Assert.Contains("--repo", text, StringComparison.Ordinal);
        Assert.Contains("--sync-on-signal", text, StringComparison.Ordinal);
        Assert.Contains("GITSYNC_", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accepts_space_separated_values_and_short_verbosity()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(["--repo", repo.Url, "--root", root, "--link", "spaced", "--one-time", "-v", "5"]);

        Assert.True(p.ExitCode == 0, p.Diagnostics());
        Layout.AssertPublished(Path.Combine(root, "spaced"), head, p.Diagnostics);
    }

    [Theory]
    [InlineData("--one-time")]
    [InlineData("--one-time=true")]
    [InlineData("--one-time=1")]
    [InlineData("--one-time=t")]
    [InlineData("--one-time=TRUE")]
    [InlineData("-one-time")]
    public async Task Accepts_boolean_flag_forms(string oneTime)
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(["--repo=" + repo.Url, "--root=" + root, "--link=link", oneTime]);

        Assert.True(p.ExitCode == 0, p.Diagnostics());
        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
    }

    [Fact]
    public async Task Treats_false_boolean_as_unset()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;

        // --one-time=false: a forever sync.
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--one-time=false", "--period=100ms", "-v=3"));
        await WaitForHashAsync(p, Path.Combine(root, "link"), head);
        await Poll.UntilAsync(() => p.UnchangedPolls >= 3 || p.HasExited, "three unchanged polls after the first sync", p.Diagnostics);
        Assert.False(p.HasExited, "--one-time=false must not exit after one sync\n" + p.Diagnostics());
    }

    [Fact]
    public async Task Takes_last_value_of_a_repeated_flag()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=first", "--link=second");

        Layout.AssertPublished(Path.Combine(root, "second"), head, p.Diagnostics);
        Assert.True(Layout.IsAbsent(Path.Combine(root, "first")));
    }

    [Fact]
    public async Task Reads_GITSYNC_environment()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync([], new Dictionary<string, string?>
        {
            ["GITSYNC_REPO"] = repo.Url,
            ["GITSYNC_ROOT"] = root,
            ["GITSYNC_LINK"] = "from-env",
            ["GITSYNC_ONE_TIME"] = "true",
            ["GITSYNC_DEPTH"] = "1",
            ["GITSYNC_PERIOD"] = "1s",
        });

        Assert.True(p.ExitCode == 0, p.Diagnostics());
        Layout.AssertPublished(Path.Combine(root, "from-env"), head, p.Diagnostics);
    }

    [Fact]
    public async Task Lets_explicit_flag_win_over_environment()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time", "--link=from-flag"),
            new Dictionary<string, string?> { ["GITSYNC_LINK"] = "from-env" });

        Assert.True(p.ExitCode == 0, p.Diagnostics());
        Layout.AssertPublished(Path.Combine(root, "from-flag"), head, p.Diagnostics);
        Assert.True(Layout.IsAbsent(Path.Combine(root, "from-env")));
    }

    [Fact]
    public async Task Accepts_go_style_durations()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--period=1m30s", "--sync-timeout=1.5m",
            "--stale-worktree-timeout=1h2m3s", "--init-period=250ms");

        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
    }

    /// <summary>Flag-syntax errors (upstream's parser exits 2) and validation errors (exit 1).</summary>
    public static TheoryData<string, string[], string[]> ConfigErrors() => new()
    {
        // description, extra arguments, flag names of which one must be named in the message
        { "unknown flag", ["--no-such-flag=1"], ["no-such-flag"] },
        { "bad duration", ["--period=xyz"], ["period"] },
        { "bad integer", ["--max-failures=many"], ["max-failures"] },
        { "negative depth", ["--depth=-1"], ["depth"] },
        { "period below 10ms", ["--period=1ms"], ["period"] },
        { "sync timeout below 10ms", ["--sync-timeout=5ms"], ["sync-timeout"] },
        { "branch and rev conflict", ["--branch=x", "--rev=y"], ["branch", "rev"] },
        { "bad git-config escape", ["--git-config=k.x:a\\qb"], ["git-config"] },
        { "bad git-gc mode", ["--git-gc=sometimes"], ["git-gc"] },
        { "metrics without http-bind", ["--http-metrics"], ["http-metrics", "http-bind"] },
        { "pprof without http-bind", ["--http-pprof"], ["http-pprof", "http-bind"] },
        { "change-permissions", ["--change-permissions=0775"], ["change-permissions", "group-write"] },
        { "bad sync-on-signal", ["--sync-on-signal=SIGNOPE"], ["sync-on-signal"] },
    };

    [Theory]
    [MemberData(nameof(ConfigErrors))]
    public async Task Rejects_bad_configuration_with_one_line_naming_the_flag(string description, string[] extra, string[] flags)
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string errorFile = NewDir("errors").Combine("error.json");
        bool syntaxError = description is "unknown flag" or "bad duration" or "bad integer";

        GitSyncProcess p = await RunAsync(["--error-file=" + errorFile, .. Args(repo, root, ["--one-time", .. extra])]);

        AssertConfigError(p, flags, syntaxError, description);
        Assert.True(File.Exists(errorFile), $"{description}: the error file was not written\n{p.Diagnostics()}");
        // Upstream writes a configuration error to the error file as its message text (a failed
        // sync is written as JSON); either form must name the flag.
        string content = File.ReadAllText(errorFile);
        Assert.True(flags.Any(f => content.Contains(f, StringComparison.Ordinal)), $"{description}: the error file does not name the flag: {content}");
        Assert.True(Layout.IsAbsent(Path.Combine(root, "repo")), "nothing may be synced on a configuration error");
    }

    [Theory]
    [InlineData("--repo")]
    [InlineData("--root")]
    public async Task Rejects_missing_required_flag(string missing)
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string[] args = Args(repo, root, "--one-time").Where(a => !a.StartsWith(missing + "=", StringComparison.Ordinal)).ToArray();

        GitSyncProcess p = await RunAsync(args);

        AssertConfigError(p, [missing.TrimStart('-')], syntaxError: false, "missing " + missing);
    }

    [Fact]
    public async Task Rejects_malformed_environment_value_even_with_help()
    {
        GitSyncProcess p = await RunAsync(["--help"], new Dictionary<string, string?> { ["GITSYNC_PERIOD"] = "not-a-duration" });

        Assert.True(p.ExitCode != 0, "a malformed env value is an error even with --help\n" + p.Diagnostics());
        Assert.Contains("GITSYNC_PERIOD", p.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(p);
    }

    [Fact]
    public async Task Exits_one_when_git_executable_is_missing()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time", "--git=/nonexistent/bin/git"));

        Assert.True(p.ExitCode == 1, $"expected exit 1, got {p.ExitCode}\n{p.Diagnostics()}");
        AssertNoStackTrace(p);
    }

    private static void AssertConfigError(GitSyncProcess p, string[] flags, bool syntaxError, string description)
    {
        if (syntaxError)
        {
            Assert.True(p.ExitCode is 1 or 2, $"{description}: expected exit 1 or 2, got {p.ExitCode}\n{p.Diagnostics()}");
        }
        else
        {
            Assert.True(p.ExitCode == 1, $"{description}: expected exit 1, got {p.ExitCode}\n{p.Diagnostics()}");
        }

        AssertNoStackTrace(p);
        // Deprecation warnings (JSON log lines) for the flags involved may come first; they are not the error.
        List<string> lines = [.. p.StderrLines.Where(l => l.Trim().Length > 0 && !IsDeprecationWarning(l))];
        List<string> naming = [.. lines.Where(l => flags.Any(f => l.Contains(f, StringComparison.Ordinal)))];
        Assert.True(naming.Count == 1, $"{description}: expected exactly one stderr line naming {string.Join(" or ", flags)}, found {naming.Count}\n{p.Diagnostics()}");
        Assert.True(lines.Count <= 3, $"{description}: expected a short message on stderr, got {lines.Count} lines (usage belongs on stdout or nowhere)\n{p.Diagnostics()}");
    }

    private static bool IsDeprecationWarning(string line) =>
        line.TrimStart().StartsWith('{') && line.Contains("deprecat", StringComparison.OrdinalIgnoreCase);

    private static void AssertNoStackTrace(GitSyncProcess p)
    {
        string all = p.Stderr + "\n" + p.Stdout;
        Assert.DoesNotContain("Unhandled exception", all, StringComparison.OrdinalIgnoreCase);
        Assert.False(all.Split('\n').Any(l => l.StartsWith("   at ", StringComparison.Ordinal)), "stack trace printed\n" + p.Diagnostics());
    }
}
