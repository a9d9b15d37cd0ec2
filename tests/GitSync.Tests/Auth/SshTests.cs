using GitSync.Tests.Infrastructure;
using GitSync.Tests.TestServers;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Auth;

/// <summary>
/// SSH keys and host-key checking against a real sshd. scp-like URLs (<c>user@host:path</c>)
/// cannot name a port, so those tests give it through the caller's own GIT_SSH_COMMAND
/// (<c>ssh -p PORT -l USER</c>), which git-sync keeps and extends — see docs/auth.md.
/// </summary>
public sealed class SshTests(ITestOutputHelper output) : AuthTest(output)
{
    [Fact]
    public async Task Right_key_syncs_over_an_ssh_url()
    {
        var (server, keys, knownHosts) = await SetUpAsync();
        (TestRepo repo, string head) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time",
            "--ssh-key-file=" + keys.Authorized.PrivateKeyPath, "--ssh-known-hosts-file=" + knownHosts]);

        AssertPublished(p, Path.Combine(root, "link"), head, server.Diagnostics);
    }

    [Fact]
    public async Task Wrong_key_fails()
    {
        var (server, keys, knownHosts) = await SetUpAsync();
        (TestRepo repo, _) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time",
            "--ssh-key-file=" + keys.Other.PrivateKeyPath, "--ssh-known-hosts-file=" + knownHosts]);

        AssertFailedWithoutPublishing(p, Path.Combine(root, "link"), server.Diagnostics);
        Assert.Contains("Permission denied", p.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Second_of_two_keys_is_tried_and_works()
    {
        var (server, keys, knownHosts) = await SetUpAsync();
        (TestRepo repo, string head) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time",
            "--ssh-key-file=" + keys.Other.PrivateKeyPath, "--ssh-key-file=" + keys.Authorized.PrivateKeyPath,
            "--ssh-known-hosts-file=" + knownHosts]);

        AssertPublished(p, Path.Combine(root, "link"), head, server.Diagnostics);
    }

    [Fact]
    public async Task Keys_from_the_environment_are_colon_separated()
    {
        var (server, keys, knownHosts) = await SetUpAsync();
        (TestRepo repo, string head) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(
            [$"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time"],
            Env(("GITSYNC_SSH_KEY_FILE", keys.Other.PrivateKeyPath + ":" + keys.Authorized.PrivateKeyPath),
                ("GITSYNC_SSH_KNOWN_HOSTS_FILE", knownHosts)));

        AssertPublished(p, Path.Combine(root, "link"), head, server.Diagnostics);
    }

    [Fact]
    public async Task Host_key_not_matching_known_hosts_fails()
    {
        var (server, keys, _) = await SetUpAsync();
        (TestRepo repo, _) = RepoWithCommit();
        string root = NewDir().Path;
        string dir = NewDir("keys").Path;
        SshKeyPair impostor = SshKeyPair.Generate(dir, "impostor_host_key");
        string knownHosts = Path.Combine(dir, "known_hosts");
        File.WriteAllText(knownHosts, $"[127.0.0.1]:{server.Port} {impostor.TypeAndKey}\n");

        GitSyncProcess p = await RunAsync([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time",
            "--ssh-key-file=" + keys.Authorized.PrivateKeyPath, "--ssh-known-hosts-file=" + knownHosts]);

        AssertFailedWithoutPublishing(p, Path.Combine(root, "link"), server.Diagnostics);
        Assert.Contains("Host key verification failed", p.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Known_hosts_check_disabled_accepts_an_unknown_host()
    {
        var (server, keys, _) = await SetUpAsync();
        (TestRepo repo, string head) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time",
            "--ssh-key-file=" + keys.Authorized.PrivateKeyPath, "--ssh-known-hosts=false",
            "--ssh-known-hosts-file=/nonexistent/known_hosts"]);

        AssertPublished(p, Path.Combine(root, "link"), head, server.Diagnostics);
    }

    [Fact]
    public async Task Scp_like_url_works_with_the_callers_own_ssh_command()
    {
        var (server, keys, knownHosts) = await SetUpAsync();
        (TestRepo repo, string head) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(
            [$"--repo=git@127.0.0.1:{repo.Path}", $"--root={root}", "--link=link", "--one-time",
             "--ssh-key-file=" + keys.Authorized.PrivateKeyPath, "--ssh-known-hosts-file=" + knownHosts, "-v", "2"],
            Env(("GIT_SSH_COMMAND", CallerSshCommand(server))));

        AssertPublished(p, Path.Combine(root, "link"), head, server.Diagnostics);
        Assert.Contains($"ssh -p {server.Port} -l {SshServer.User} -o StrictHostKeyChecking=yes", p.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V3_argument_list_syncs_over_ssh()
    {
        var (server, keys, knownHosts) = await SetUpAsync();
        TestRepo repo = NewRepo(branch: "master");
        string head = repo.Commit("file", "v3");
        string root = NewDir().Path;

        // The v3 manifest's flags verbatim; the key and known_hosts come from v3's environment
        // variables instead of /etc/git-secret, the port from the caller's GIT_SSH_COMMAND.
        GitSyncProcess p = Start(
            ["-ssh", $"-repo=git@127.0.0.1:{repo.Path}", $"-root={root}", "-dest=html", "-branch=master", "-depth=1"],
            Env(("GIT_SSH_KEY_FILE", keys.Authorized.PrivateKeyPath),
                ("GIT_SSH_KNOWN_HOSTS_FILE", knownHosts),
                ("GIT_SSH_COMMAND", CallerSshCommand(server))));

        string link = Path.Combine(root, "html");
        await WaitForHashAsync(p, link, head);
        Layout.AssertPublished(link, head, () => p.Diagnostics() + server.Diagnostics());
        Layout.AssertFile(link, "file", "v3", p.Diagnostics);
    }

    [Fact]
    public async Task Unreadable_key_file_is_a_start_up_error_naming_the_file()
    {
        var (server, _, knownHosts) = await SetUpAsync();
        (TestRepo repo, _) = RepoWithCommit();
        string root = NewDir().Path;
        string missing = Path.Combine(NewDir("keys").Path, "no-such-key");

        GitSyncProcess p = await RunAsync([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time",
            "--ssh-key-file=" + missing, "--ssh-known-hosts-file=" + knownHosts, "--error-file=error.json"]);

        Assert.True(p.ExitCode == 1, p.Diagnostics());
        Assert.Contains(missing, p.Stderr, StringComparison.Ordinal);
        Assert.Contains("--ssh-key-file", p.Stderr, StringComparison.Ordinal);
        Assert.Contains(missing, File.ReadAllText(Path.Combine(root, "error.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreadable_known_hosts_file_is_a_start_up_error_naming_the_file()
    {
        var (server, keys, _) = await SetUpAsync();
        (TestRepo repo, _) = RepoWithCommit();
        string root = NewDir().Path;
        string missing = Path.Combine(NewDir("keys").Path, "no-such-known-hosts");

        GitSyncProcess p = await RunAsync([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time",
            "--ssh-key-file=" + keys.Authorized.PrivateKeyPath, "--ssh-known-hosts-file=" + missing]);

        Assert.True(p.ExitCode == 1, p.Diagnostics());
        Assert.Contains(missing, p.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ssh_files_are_not_required_for_a_non_ssh_repo()
    {
        (TestRepo repo, string head) = RepoWithCommit();
        string root = NewDir().Path;

        // The defaults (/etc/git-secret/ssh, /etc/git-secret/known_hosts) usually don't exist.
        GitSyncProcess p = await RunAsync([$"--repo={repo.Url}", $"--root={root}", "--link=link", "--one-time", "--ssh-key-file=/nonexistent/key"]);

        AssertPublished(p, Path.Combine(root, "link"), head);
    }

    private static string CallerSshCommand(SshServer server) => $"ssh -p {server.Port} -l {SshServer.User}";

    private async Task<(SshServer Server, (SshKeyPair Authorized, SshKeyPair Other) Keys, string KnownHosts)> SetUpAsync()
    {
        string dir = NewDir("keys").Path;
        SshKeyPair authorized = SshKeyPair.Generate(dir, "authorized");
        SshKeyPair other = SshKeyPair.Generate(dir, "other");
        SshServer server = await SshServerAsync(authorized);
        string knownHosts = server.WriteKnownHosts(Path.Combine(dir, "known_hosts"));
        return (server, (authorized, other), knownHosts);
    }
}
