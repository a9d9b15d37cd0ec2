using GitSync.Tests.Infrastructure;
using GitSync.Tests.TestServers;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>The test sshd (accepting one key, and a passphrase-protected one) and a repo, shared by the SSH failure tests.</summary>
public sealed class SshFailureServer : IAsyncLifetime
{
    public const string Passphrase = "pp-0b8e5d71";

    private TempDir _keys = null!;

    public SshServer Ssh { get; private set; } = null!;

    public TestRepo Repo { get; private set; } = null!;

    public SshKeyPair Authorized { get; private set; } = null!;

    public SshKeyPair Stranger { get; private set; } = null!;

    /// <summary>Authorized too, but useless unattended: it asks for a passphrase.</summary>
    public string Protected { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _keys = TempDir.Create("ssh-keys");
        Authorized = SshKeyPair.Generate(_keys.Path, "authorized");
        Stranger = SshKeyPair.Generate(_keys.Path, "stranger");
        Protected = _keys.Combine("protected");
        SshKeyPair.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", Passphrase, "-C", "protected", "-f", Protected);
        var protectedPair = new SshKeyPair(Protected, File.ReadAllText(Protected + ".pub").Trim());
        Repo = TestRepo.Create("main");
        Repo.Commit("file", "v1");
        Ssh = await SshServer.StartAsync(Authorized, protectedPair);
    }

    /// <summary>The base64 body of a private key: it must never appear anywhere.</summary>
    public static string KeyBody(string path) =>
        string.Concat(File.ReadAllLines(path).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)));

    public Task DisposeAsync()
    {
        Ssh.Dispose();
        Repo.Dispose();
        _keys.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>SSH failures against the real sshd, each caused for real, each classified everywhere.</summary>
public sealed class SshFailureTests(SshFailureServer server, ITestOutputHelper output) : FailureClassTest(output), IClassFixture<SshFailureServer>
{
    private string KnownHosts(string content)
    {
        string path = NewDir("known-hosts").Combine("known_hosts");
        File.WriteAllText(path, content);
        return path;
    }

    private string[] SshArgs(string key, string knownHosts) =>
        ["--repo=" + server.Ssh.UrlOf(server.Repo), "--ssh-key-file=" + key, "--ssh-known-hosts-file=" + knownHosts];

    [Fact]
    public async Task Key_the_server_does_not_accept_is_ssh_auth_refused()
    {
        string key = server.Stranger.PrivateKeyPath;
        await ObserveAsync("ssh_auth_refused", SshArgs(key, KnownHosts(server.Ssh.KnownHostsLine + "\n")), [SshFailureServer.KeyBody(key)]);
    }

    [Fact]
    public async Task Host_missing_from_known_hosts_is_ssh_host_key_unknown()
    {
        string key = server.Authorized.PrivateKeyPath;
        await ObserveAsync("ssh_host_key_unknown", SshArgs(key, KnownHosts("")), [SshFailureServer.KeyBody(key)]);
    }

    [Fact]
    public async Task Different_host_key_in_known_hosts_is_ssh_host_key_changed()
    {
        string key = server.Authorized.PrivateKeyPath;
        // The host's entry holds another key: what a server rebuilt (or impersonated) looks like.
        string changed = $"[127.0.0.1]:{server.Ssh.Port} {server.Stranger.TypeAndKey}\n";
        await ObserveAsync("ssh_host_key_changed", SshArgs(key, KnownHosts(changed)), [SshFailureServer.KeyBody(key)]);
    }

    [Fact]
    public async Task Passphrase_protected_key_is_ssh_key_unusable_and_named()
    {
        Observed o = await ObserveAsync("ssh_key_unusable", SshArgs(server.Protected, KnownHosts(server.Ssh.KnownHostsLine + "\n")),
            [SshFailureServer.KeyBody(server.Protected), SshFailureServer.Passphrase]);

        Assert.Contains($"--ssh-key-file {server.Protected} can't be used: it is passphrase-protected", o.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_that_became_unreadable_is_ssh_key_unusable()
    {
        // Readable at start-up (a start-up check refuses an unreadable key as a configuration
        // error), then taken away, as a rotated secret mount can: ssh says "Load key ...".
        TempDir shared = SharedDir();
        string key = shared.Combine("id");
        File.Copy(server.Authorized.PrivateKeyPath, key);
        string knownHosts = shared.Combine("known_hosts");
        File.WriteAllText(knownHosts, server.Ssh.KnownHostsLine + "\n");
        string[]? launcher = AsNobody(shared);
        // Owned by root and readable by nobody (ssh only insists on 0600 for a key of its own user).
        File.SetUnixFileMode(key, launcher is null ? UnixFileMode.UserRead | UnixFileMode.UserWrite : (UnixFileMode)0x1A4);
        File.SetUnixFileMode(knownHosts, (UnixFileMode)0x1A4);

        // A wrapper that puts an unreadable file in the key's place just before git's first
        // network operation (the directory is writable by git-sync's user).
        TempDir wrapperDir = SharedDir("wrapper");
        GitWrapper git = GitWrapper.Create(wrapperDir, $$"""
            case "$SUBCOMMAND" in
              fetch|ls-remote) [ -r '{{key}}.gone' ] || { mv '{{key}}' '{{key}}.gone'; : > '{{key}}'; chmod 000 '{{key}}'; } ;;
            esac
            """);
        File.SetUnixFileMode(git.Path, (UnixFileMode)0x1ED);
        File.SetUnixFileMode(wrapperDir.Path, (UnixFileMode)0x1FF);
        var env = new Dictionary<string, string?> { ["HOME"] = shared.Path };
        await ObserveAsync("ssh_key_unusable", [.. SshArgs(key, knownHosts), "--git=" + git.Path], [SshFailureServer.KeyBody(key)],
            env, launcher, root: shared.Combine("root"), errorFileDirectory: shared.Path);
    }
}
