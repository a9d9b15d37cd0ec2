using GitSync.Tests.Infrastructure;
using GitSync.Tests.TestServers;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Auth;

/// <summary>--username with $GITSYNC_PASSWORD, --password-file or --password, and passwords in --repo, against nginx + git http-backend.</summary>
public sealed class HttpPasswordTests(ITestOutputHelper output) : AuthTest(output)
{
    private const string User = "testuser";
    // nginx ends a password at ":" (its comment separator), so none here.
    private const string Password = "test pass@odd/chars#1";

    [Fact]
    public async Task Wrong_username_fails()
    {
        SmartHttpServer server = await HttpServerAsync(User, Password);
        (TestRepo repo, _) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(
            [$"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time", "--username=wrong"],
            Env(("GITSYNC_PASSWORD", Password)));

        AssertFailedWithoutPublishing(p, Path.Combine(root, "link"), server.Diagnostics);
        Assert.Contains("Authentication failed", p.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_password_fails()
    {
        SmartHttpServer server = await HttpServerAsync(User, Password);
        (TestRepo repo, _) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(
            [$"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time", "--username=" + User],
            Env(("GITSYNC_PASSWORD", "not-the-password")));

        AssertFailedWithoutPublishing(p, Path.Combine(root, "link"), server.Diagnostics);
    }

    [Fact]
    public async Task Right_password_from_the_environment_syncs()
    {
        SmartHttpServer server = await HttpServerAsync(User, Password);
        (TestRepo repo, string head) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(
            [$"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time", "--username=" + User],
            Env(("GITSYNC_PASSWORD", Password)));

        AssertPublished(p, Path.Combine(root, "link"), head, server.Diagnostics);
        Assert.Contains($" - {User} [", server.AccessLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Right_password_from_a_file_syncs_and_the_file_is_used_verbatim()
    {
        SmartHttpServer server = await HttpServerAsync(User, "  spaced token  ");
        (TestRepo repo, string head) = RepoWithCommit();
        string root = NewDir().Path;
        string secrets = NewDir("secrets").Path;
        string file = Path.Combine(secrets, "password");
        File.WriteAllText(file, "  spaced token  ");

        GitSyncProcess p = await RunAsync(
            [$"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time", "--username=" + User, "--password-file=" + file]);

        AssertPublished(p, Path.Combine(root, "link"), head, server.Diagnostics);
    }

    [Fact]
    public async Task Password_file_written_with_echo_works_because_git_ends_the_value_at_the_line_break()
    {
        SmartHttpServer server = await HttpServerAsync(User, Password);
        (TestRepo repo, string head) = RepoWithCommit();
        string root = NewDir().Path;
        string file = Path.Combine(NewDir("secrets").Path, "password");
        File.WriteAllText(file, Password + "\n");

        GitSyncProcess p = await RunAsync(
            [$"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time", "--username=" + User, "--password-file=" + file]);

        AssertPublished(p, Path.Combine(root, "link"), head, server.Diagnostics);
    }

    [Fact]
    public async Task Wrong_password_in_a_file_fails()
    {
        SmartHttpServer server = await HttpServerAsync(User, Password);
        (TestRepo repo, _) = RepoWithCommit();
        string root = NewDir().Path;
        string file = Path.Combine(NewDir("secrets").Path, "password");
        File.WriteAllText(file, "wrong");

        GitSyncProcess p = await RunAsync(
            [$"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time", "--username=" + User, "--password-file=" + file]);

        AssertFailedWithoutPublishing(p, Path.Combine(root, "link"), server.Diagnostics);
    }

    [Fact]
    public async Task Missing_password_file_fails_the_sync_naming_the_file()
    {
        SmartHttpServer server = await HttpServerAsync(User, Password);
        (TestRepo repo, _) = RepoWithCommit();
        string root = NewDir().Path;
        string file = Path.Combine(NewDir("secrets").Path, "no-such-password");

        GitSyncProcess p = await RunAsync(
            [$"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time", "--username=" + User, "--password-file=" + file, "--error-file=error.json"]);

        AssertFailedWithoutPublishing(p, Path.Combine(root, "link"), server.Diagnostics);
        Assert.Contains(file, File.ReadAllText(Path.Combine(root, "error.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Right_password_in_the_repo_url_syncs_and_is_kept_out_of_the_root()
    {
        SmartHttpServer server = await HttpServerAsync(User, Password);
        (TestRepo repo, string head) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync([$"--repo={server.UrlOf(repo, User, Password)}", $"--root={root}", "--link=link", "--one-time", "-v", "6"]);

        AssertPublished(p, Path.Combine(root, "link"), head, server.Diagnostics);
        // origin (which relative submodule URLs resolve against) is the URL without the password.
        Assert.Equal(server.UrlOf(repo), LocalGit.Output(root, "config", "--get", "remote.origin.url"));
        string encoded = Uri.EscapeDataString(Password);
        Assert.DoesNotContain(encoded, p.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, p.Stderr, StringComparison.Ordinal);
        foreach (string file in Directory.EnumerateFiles(Path.Combine(root, ".git"), "*", SearchOption.AllDirectories))
        {
            string text = File.ReadAllText(file);
            Assert.False(text.Contains(encoded, StringComparison.Ordinal) || text.Contains(Password, StringComparison.Ordinal), $"{file} contains the password");
        }
    }

    [Fact]
    public async Task Wrong_password_in_the_repo_url_fails()
    {
        SmartHttpServer server = await HttpServerAsync(User, Password);
        (TestRepo repo, _) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync([$"--repo={server.UrlOf(repo, User, "wrong")}", $"--root={root}", "--link=link", "--one-time"]);

        AssertFailedWithoutPublishing(p, Path.Combine(root, "link"), server.Diagnostics);
    }

    [Fact]
    public async Task Deprecated_password_flag_still_works()
    {
        SmartHttpServer server = await HttpServerAsync(User, Password);
        (TestRepo repo, string head) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(
            [$"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time", "--username=" + User, "--password=" + Password]);

        AssertPublished(p, Path.Combine(root, "link"), head, server.Diagnostics);
    }

    [Fact]
    public async Task Cookie_file_flag_without_the_cookie_file_is_a_start_up_error_naming_it()
    {
        const string cookieFile = "/etc/git-secret/cookie_file";
        if (File.Exists(cookieFile))
        {
            return; // This machine has one; the error can't be provoked without touching it.
        }

        (TestRepo repo, _) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync([$"--repo={repo.Url}", $"--root={root}", "--link=link", "--one-time", "--cookie-file"]);

        Assert.True(p.ExitCode == 1, p.Diagnostics());
        Assert.Contains(cookieFile, p.Stderr, StringComparison.Ordinal);
        Assert.Contains("--cookie-file", p.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotated_password_file_is_picked_up_by_a_running_process()
    {
        SmartHttpServer server = await HttpServerAsync(User, "first-token");
        (TestRepo repo, string first) = RepoWithCommit();
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string file = Path.Combine(NewDir("secrets").Path, "password");
        File.WriteAllText(file, "first-token");
        int port = Ports.Free();

        GitSyncProcess p = Start([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--period=100ms", "--max-failures=-1",
            "--username=" + User, "--password-file=" + file, "--error-file=error.json",
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"]);
        await WaitForHashAsync(p, link, first);

        // The server rotates first; syncs fail until the file catches up.
        server.SetUser(User, "second-token");
        string second = repo.Commit("file", "v2");
        await WaitForMetricAsync(p, port, "git_sync_count_total", Error, 1);
        Assert.Equal(first, Layout.PublishedHash(link));
        Assert.True(File.Exists(Path.Combine(root, "error.json")), p.Diagnostics());

        File.WriteAllText(file, "second-token");
        await WaitForHashAsync(p, link, second);
        Layout.AssertFile(link, "file", "v2", p.Diagnostics);
        await Poll.UntilAsync(() => !File.Exists(Path.Combine(root, "error.json")), "the error file is removed after the recovery", p.Diagnostics);
    }
}
