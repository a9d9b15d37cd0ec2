using System.Text.Json;
using GitSync.Tests.Infrastructure;
using GitSync.Tests.Strict;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Cli;

/// <summary>
/// What a new user sees at start-up, from the real binary: v3 arguments warn without error
/// lines, and each configuration mistake ends in one line that says the fix.
/// </summary>
public sealed class StartupEndToEndTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Fact]
    public async Task V3_arguments_log_deprecations_as_warnings_and_no_error_line()
    {
        using TestRepo repo = NewRepo(branch: "master");
        string head = repo.Commit("index.html", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(["-ssh", "-repo=" + repo.Url, "-root=" + root, "-dest=html", "-branch=master", "-depth=1", "-wait=0.5", "--one-time"]);

        Assert.True(p.ExitCode == 0, p.Diagnostics());
        Layout.AssertPublished(Path.Combine(root, "html"), head, p.Diagnostics);
        List<JsonElement> lines = JsonLines(p);
        Assert.DoesNotContain(lines, l => l.TryGetProperty("error", out _));
        List<string> warnings = [.. lines.Where(l => l.TryGetProperty("warning", out _)).Select(l => l.GetProperty("warning").GetString()!)];
        Assert.Equal(4, warnings.Count);
        foreach (string flag in new[] { "--branch", "--dest", "--ssh", "--wait" })
        {
            Assert.Contains(warnings, w => w.StartsWith(flag + " is deprecated", StringComparison.Ordinal));
        }
        Assert.All(lines.Where(l => l.TryGetProperty("warning", out _)), l => Assert.Equal(0, l.GetProperty("level").GetInt32()));
    }

    [Fact]
    public async Task An_existing_directory_at_link_is_refused_before_any_fetch()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        TempDir dir = NewDir("served");
        string html = dir.Combine("html");
        Directory.CreateDirectory(html);
        File.WriteAllText(Path.Combine(html, "index.html"), "the image's page");
        string root = dir.Combine("root");

        GitSyncProcess p = await RunAsync(Args(repo, root, "--link=" + html, "--one-time"));

        Assert.True(p.ExitCode == 1, p.Diagnostics());
        string line = Assert.Single(p.StderrLines, l => l.Trim().Length > 0);
        Assert.Contains($"--link {html} is an existing directory", line, StringComparison.Ordinal);
        Assert.Contains("point --link at a path that does not exist yet", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(root), "nothing was fetched: the root was not even made");
        // No temporary link left beside it, and the directory untouched.
        Assert.Equal([html], Directory.EnumerateFileSystemEntries(dir.Path));
        Assert.Equal([Path.Combine(html, "index.html")], Directory.EnumerateFileSystemEntries(html));
    }

    [Fact]
    public async Task A_mistyped_flag_is_answered_with_the_closest_real_one()
    {
        GitSyncProcess p = await RunAsync(["--repo=file:///r", "--root=/tmp/x", "--sync-timout=10s"]);

        Assert.True(p.ExitCode == 1, p.Diagnostics());
        Assert.Contains(p.StderrLines, l => l.Contains("unknown flag: --sync-timout (did you mean --sync-timeout?)", StringComparison.Ordinal));
        Assert.DoesNotContain(p.StderrLines, l => l.StartsWith("   at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_mistyped_variable_is_warned_about_once()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time"), new Dictionary<string, string?> { ["GITSYNC_ONETIME"] = "true", ["GIT_SYNC_SERVICE_HOST"] = "10.0.0.1" });

        Assert.True(p.ExitCode == 0, p.Diagnostics());
        Assert.Equal(head, Layout.PublishedHash(Path.Combine(root, "repo")));
        string line = Assert.Single(p.StderrLines, l => l.Contains("GITSYNC_ONETIME", StringComparison.Ordinal));
        Assert.Contains("did you mean $GITSYNC_ONE_TIME?", line, StringComparison.Ordinal);
        Assert.Contains("\"warning\":", line, StringComparison.Ordinal);
        Assert.DoesNotContain(p.StderrLines, l => l.Contains("GIT_SYNC_SERVICE_HOST", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_writable_private_directory_says_what_it_is_for_and_what_to_mount()
    {
        TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        StrictSandbox.Readable(repo.Path);
        // A root the sandbox user can't write, read-only /tmp and /dev/shm: nowhere to go.
        TempDir parent = NewDir("strict");
        StrictSandbox.Readable(parent.Path);
        string root = parent.Combine("root");
        Directory.CreateDirectory(root);

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--one-time"), StrictSandbox.Environment(),
            StrictSandbox.Launcher(root, readOnlySharedMemory: true));
        Assert.Equal(1, await p.WaitForExitAsync(ExitDeadline));

        string line = Assert.Single(p.StderrLines, l => l.Contains("private directory", StringComparison.Ordinal));
        Assert.Contains("git config, credential and SSH sockets", line, StringComparison.Ordinal);
        Assert.Contains("mount a writable volume at /tmp", line, StringComparison.Ordinal);
        Assert.Contains("/dev/shm", line, StringComparison.Ordinal);
        Assert.DoesNotContain(p.StderrLines, l => l.StartsWith("   at ", StringComparison.Ordinal));
    }

    private static List<JsonElement> JsonLines(GitSyncProcess p) =>
        [.. p.StderrLines.Where(l => l.TrimStart().StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
}
