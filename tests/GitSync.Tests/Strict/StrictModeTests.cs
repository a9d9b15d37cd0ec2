using System.Text;
using GitSync.Tests.Auth;
using GitSync.Tests.Infrastructure;
using GitSync.Tests.Http;
using GitSync.Tests.TestServers;
using GitSync.Tests.Trust;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Strict;

/// <summary>
/// Every transport and feature as a restricted pod runs git-sync: an arbitrary UID without a
/// passwd entry, GID 0, no capabilities, <c>/</c> and <c>/tmp</c> read-only, only the root
/// writable (<see cref="StrictSandbox"/>). Where <c>/dev/shm</c> is read-only too, git-sync's
/// private directory falls back to <c>&lt;root&gt;/.git-sync</c>, and no secret may then be in
/// any file under the root.
/// </summary>
public sealed class StrictModeTests(ITestOutputHelper output) : AuthTest(output)
{
    private const string PushSecret = "strict-push-secret";

    [Fact]
    public async Task File_transport_hook_and_push_trigger_work_with_only_the_root_writable()
    {
        TestRepo repo = Readable(NewRepo());
        string first = repo.Commit("file", "v1");
        TempDir work = NewDir("strict");
        string root = StrictSandbox.Root(work);
        string link = Path.Combine(root, "link");
        TempDir config = NewDir("config");
        string secretFile = WriteSecret(config, "push-secret", PushSecret + "\n");
        // The hook needs a temp file (so $TMPDIR must be writable) and reports who ran it.
        string hook = WriteScript(config, "hook.sh",
            "#!/bin/sh\nset -e\nt=$(mktemp)\necho \"$GITSYNC_HASH $(id -u)\" > \"$t\"\ncat \"$t\" >> ../../hook-runs\nrm \"$t\"\n");
        int port = Ports.Free();

        GitSyncProcess p = Start(
            ["--repo=" + repo.Url, "--root=" + root, "--link=link", "--period=1h", $"--http-bind=127.0.0.1:{port}", "--http-metrics",
             "--push-trigger-secret-file=" + secretFile, "--exechook-command=" + hook, "-v=1"],
            StrictSandbox.Environment(), StrictSandbox.Launcher(root, readOnlySharedMemory: true));
        await WaitForHashAsync(p, link, first);
        Assert.Contains(p.StderrLines, l => l.Contains("the private directory is under --root", StringComparison.Ordinal));

        string second = repo.Commit("file", "v2");
        using var client = new TriggerClient(port);
        TriggerAnswer answer = await client.GitHubAsync(PushPayloads.GitHub("refs/heads/main", after: second), PushSecret);
        Assert.True(answer.Status == 202, $"trigger answered {answer}\n{p.Diagnostics()}");
        await WaitForHashAsync(p, link, second);
        Layout.AssertFile(link, "file", "v2", p.Diagnostics);
        await Poll.UntilAsync(() => HookRuns(root).Contains($"{second} {StrictSandbox.Uid}", StringComparison.Ordinal),
            "the exec hook ran for the second commit as the sandbox UID", () => HookRuns(root) + p.Diagnostics());
        Assert.Contains($"{first} {StrictSandbox.Uid}", HookRuns(root), StringComparison.Ordinal);
        Assert.Equal(200, (await HttpText.GetWithStatusAsync(port, "/")).Status);

        p.SendSignal(Libc.SIGTERM);
        Assert.Equal(0, await p.WaitForExitAsync(ExitDeadline));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, ".git-sync")));
    }

    [Fact]
    public async Task Http_password_and_askpass_credentials_work_and_no_secret_is_written_under_the_root()
    {
        const string password = "strict-http-password-5f1c";
        const string askpassPassword = "strict-askpass-password-9d2e";
        SmartHttpServer server = await HttpServerAsync("alice", password);
        server.SetUser("bob", askpassPassword);
        FakeHttpService askpass = FakeService(_ => FakeResponse.Ok($"username=bob\npassword={askpassPassword}\n"));
        TestRepo repo = Readable(NewRepo());
        string head = repo.Commit("file", "v1");
        TempDir secrets = NewDir("secrets");
        string passwordFile = WriteSecret(secrets, "password", password);

        foreach ((string name, string[] extra, string secret) in new[]
        {
            ("password file", new[] { "--username=alice", "--password-file=" + passwordFile }, password),
            ("askpass URL", new[] { "--askpass-url=" + askpass.Url }, askpassPassword),
        })
        {
            string root = StrictSandbox.Root(NewDir("strict"));
            GitSyncProcess p = Start(
                ["--repo=" + server.UrlOf(repo), "--root=" + root, "--link=link", "--one-time", "-v=1", .. extra],
                StrictSandbox.Environment(), StrictSandbox.Launcher(root, readOnlySharedMemory: true));
            Assert.True(await p.WaitForExitAsync(ExitDeadline) == 0, $"{name}: git-sync failed\n{p.Diagnostics()}\n{server.Diagnostics()}");
            // readlink only: git in the test refuses a worktree another UID owns.
            Assert.Equal(head, Layout.PublishedHash(Path.Combine(root, "link")));
            Layout.AssertFile(Path.Combine(root, "link"), "file", "v1", p.Diagnostics);
            Assert.Contains(p.StderrLines, l => l.Contains("the private directory is under --root", StringComparison.Ordinal));
            Assert.Empty(StrictSandbox.FilesContaining(root, secret));
        }
    }

    [Fact]
    public async Task Ssh_works_for_a_uid_without_a_passwd_entry_over_one_shared_connection()
    {
        string keys = NewDir("keys").Path;
        SshKeyPair key = SshKeyPair.Generate(keys, "id");
        SshServer server = await SshServerAsync(key);
        TempDir secrets = NewDir("secrets");
        string keyFile = StrictSandbox.Secret(secrets, key.PrivateKeyPath, "ssh");
        string knownHosts = WriteSecret(secrets, "known_hosts", server.KnownHostsLine + "\n");
        TestRepo repo = Readable(NewRepo());
        string first = repo.Commit("file", "v1");
        string root = StrictSandbox.Root(NewDir("strict"));
        string link = Path.Combine(root, "link");

        // --add-user can't write the read-only /etc/passwd: it says so, and nss_wrapper steps in.
        GitSyncProcess p = Start(
            ["--repo=" + server.UrlOf(repo), "--root=" + root, "--link=link", "--period=200ms", "--max-failures=-1", "-v=3",
             "--ssh-key-file=" + keyFile, "--ssh-known-hosts-file=" + knownHosts, "--add-user"],
            StrictSandbox.Environment(), StrictSandbox.Launcher(root));
        await WaitForHashAsync(p, link, first);
        Assert.Contains(p.StderrLines, l => l.Contains("can't add user to /etc/passwd", StringComparison.Ordinal));
        Assert.Contains(p.StderrLines, l => l.Contains("ssh gets one through nss_wrapper", StringComparison.Ordinal));
        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, second);
        int polls = p.UnchangedPolls;
        await Poll.UntilAsync(() => p.UnchangedPolls >= polls + 3, "a few more unchanged polls", p.Diagnostics);

        // First sync, then probes and a fetch: all over the connection the first one opened.
        Assert.True(Accepted(server) == 1, $"{Accepted(server)} SSH connections, expected 1 shared one\n{server.Diagnostics()}\n{p.Diagnostics()}");
        ProcessEntry master = Assert.Single(Masters(p));
        // The master left git's process group and session, so a timed-out command's group
        // kill can't take the shared connection down with it.
        Assert.NotEqual(ProcessTable.Read(p.Pid)!.Session, master.Session);

        p.SendSignal(Libc.SIGTERM);
        Assert.Equal(0, await p.WaitForExitAsync(ExitDeadline));
        await Poll.UntilAsync(() => ProcessTable.Read(master.Pid) is null or { IsZombie: true }, "the SSH master stops when git-sync exits",
            () => p.Diagnostics());
    }

    [Fact]
    public async Task Add_user_still_writes_a_passwd_entry_where_etc_passwd_is_writable_and_ssh_uses_it()
    {
        string keys = NewDir("keys").Path;
        SshKeyPair key = SshKeyPair.Generate(keys, "id");
        SshServer server = await SshServerAsync(key);
        TempDir secrets = NewDir("secrets");
        string keyFile = StrictSandbox.Secret(secrets, key.PrivateKeyPath, "ssh");
        string knownHosts = WriteSecret(secrets, "known_hosts", server.KnownHostsLine + "\n");
        TestRepo repo = Readable(NewRepo());
        string head = repo.Commit("file", "v1");
        string root = StrictSandbox.Root(NewDir("strict"));
        // The image's /etc/passwd is group-writable (GID 0) for upstream's --add-user.
        string passwd = secrets.Combine("passwd");
        File.Copy("/etc/passwd", passwd);
        File.SetUnixFileMode(passwd, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead);

        GitSyncProcess p = Start(
            ["--repo=" + server.UrlOf(repo), "--root=" + root, "--link=link", "--one-time", "-v=1", "--add-user",
             "--ssh-key-file=" + keyFile, "--ssh-known-hosts-file=" + knownHosts],
            StrictSandbox.Environment(), StrictSandbox.Launcher(root, passwd: passwd));
        Assert.True(await p.WaitForExitAsync(ExitDeadline) == 0, p.Diagnostics() + server.Diagnostics());
        Assert.Equal(head, Layout.PublishedHash(Path.Combine(root, "link")));
        Assert.EndsWith($"git-sync:x:{StrictSandbox.Uid}:{StrictSandbox.Gid}::/:/sbin/nologin\n", File.ReadAllText(passwd), StringComparison.Ordinal);
        Assert.DoesNotContain(p.StderrLines, l => l.Contains("nss_wrapper", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Gpg_and_ssh_signatures_verify_as_an_arbitrary_uid_with_only_the_root_writable()
    {
        using var signers = Own(new Signers());
        string gpgKey = signers.NewGpgKey("strict");
        string sshKey = signers.NewSshKey("strict-ssh");
        TempDir trust = NewDir("trust");
        StrictSandbox.Readable(trust.Path);
        string keyring = signers.WriteKeyring(trust.Combine("keyring.asc"), gpgKey);
        string allowed = Signers.WriteAllowedSigners(trust.Combine("allowed_signers"), sshKey);
        File.SetUnixFileMode(keyring, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.SetUnixFileMode(allowed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        TestRepo repo = Readable(NewRepo());
        string first = signers.CommitSigned(repo, gpgKey, "file", "gpg");
        string root = StrictSandbox.Root(NewDir("strict"));
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(
            ["--repo=" + repo.Url, "--root=" + root, "--link=link", "--period=200ms", "--max-failures=-1", "-v=1",
             "--verify-signatures=commit", "--trusted-gpg-keyring-file=" + keyring, "--trusted-ssh-allowed-signers-file=" + allowed],
            StrictSandbox.Environment(), StrictSandbox.Launcher(root, readOnlySharedMemory: true));
        await WaitForHashAsync(p, link, first);
        string second = signers.CommitSigned(repo, sshKey, "file", "ssh");
        await WaitForHashAsync(p, link, second);
        string unsigned = repo.Commit("file", "unsigned");
        await Poll.UntilAsync(() => p.StderrLines.Any(l => l.Contains("signature verification failed for commit " + unsigned, StringComparison.Ordinal)),
            "an unsigned commit is refused", p.Diagnostics);
        Assert.Equal(second, Layout.PublishedHash(link));
    }

    private static int Accepted(SshServer server) =>
        server.Log.Split('\n').Count(l => l.Contains("Accepted publickey", StringComparison.Ordinal));

    /// <summary>Live SSH masters whose control socket is in git-sync's private directory.</summary>
    private static List<ProcessEntry> Masters(GitSyncProcess p)
    {
        string? dir = p.StderrLines.Select(PrivateDirectoryOf).LastOrDefault(d => d is not null);
        Assert.True(dir is not null, "git-sync logged no private directory\n" + p.Diagnostics());
        var masters = new List<ProcessEntry>();
        foreach (ProcessEntry entry in ProcessTable.Snapshot().Where(e => !e.IsZombie))
        {
            string cmdline;
            try
            {
                cmdline = File.ReadAllText($"/proc/{entry.Pid}/cmdline");
            }
            catch (IOException)
            {
                continue;
            }

            if (cmdline.StartsWith("ssh: " + dir + "/ssh-", StringComparison.Ordinal) && cmdline.Contains("[mux]", StringComparison.Ordinal))
            {
                masters.Add(entry);
            }
        }

        return masters;
    }

    private static string? PrivateDirectoryOf(string logLine)
    {
        const string marker = "\"msg\":\"private directory\",\"path\":\"";
        int at = logLine.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        int start = at + marker.Length;
        return logLine[start..logLine.IndexOf('"', start)];
    }

    private static string HookRuns(string root) =>
        File.Exists(Path.Combine(root, "hook-runs")) ? File.ReadAllText(Path.Combine(root, "hook-runs")) : "";

    private static TestRepo Readable(TestRepo repo)
    {
        StrictSandbox.Readable(repo.Path);
        return repo;
    }

    private static string WriteSecret(TempDir dir, string name, string content)
    {
        StrictSandbox.Readable(dir.Path);
        string path = dir.Combine(name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        return path;
    }

    private static string WriteScript(TempDir dir, string name, string content)
    {
        StrictSandbox.Readable(dir.Path);
        string path = dir.Combine(name);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }
}
