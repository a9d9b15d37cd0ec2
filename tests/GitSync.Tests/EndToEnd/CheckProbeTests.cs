using System.Net;
using System.Net.Sockets;
using GitSync.Tests.Infrastructure;
using GitSync.Tests.TestServers;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>
/// <c>--check --probe</c> reports, before any sync, the failures it can see coming, with the
/// same class names a failed sync would carry; plain <c>--check</c> stays a configuration check.
/// </summary>
public sealed class CheckProbeTests(ITestOutputHelper output) : FailureClassTest(output)
{
    private const string Secret = "pw-probe-77d3a1";

    private async Task<GitSyncProcess> CheckAsync(IEnumerable<string> args, IEnumerable<string>? launcher = null, Dictionary<string, string?>? env = null)
    {
        env ??= [];
        env["GITSYNC_PASSWORD"] = Secret;
        GitSyncProcess p = Start([.. args, "--root=/tmp/git-sync-probe-never-created", "--username=user", "--check"], env, launcher);
        await p.WaitForExitAsync(ExitDeadline);
        Assert.DoesNotContain(Secret, p.Stderr + p.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists("/tmp/git-sync-probe-never-created"), "--check must not create the root");
        return p;
    }

    private static void AssertProblem(GitSyncProcess p, string failureClass, string text)
    {
        Assert.True(p.ExitCode == 1, $"expected exit 1\n{p.Diagnostics()}");
        Assert.True(p.StderrLines.Any(l => l.StartsWith($"ERROR: {failureClass}: ", StringComparison.Ordinal) && l.Contains(text, StringComparison.Ordinal)),
            $"no '{failureClass}' line naming '{text}'\n{p.Diagnostics()}");
    }

    private (string Key, string KnownHosts, int Port) SshSetup(string keyPassphrase, bool knownHostEntry)
    {
        TempDir dir = NewDir("probe-ssh");
        string key = dir.Combine("id");
        SshKeyPair.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", keyPassphrase, "-f", key);
        int port = Ports.Free();
        string knownHosts = dir.Combine("known_hosts");
        string hostKey = File.ReadAllText(key + ".pub").Split(' ')[0] + " " + File.ReadAllText(key + ".pub").Split(' ')[1];
        File.WriteAllText(knownHosts, knownHostEntry ? $"[127.0.0.1]:{port} {hostKey}\n" : $"[127.0.0.1]:{port + 1} {hostKey}\nother.example {hostKey}\n");
        return (key, knownHosts, port);
    }

    [Fact]
    public async Task Probe_reports_a_passphrase_protected_key_as_ssh_key_unusable()
    {
        (string key, string knownHosts, int port) = SshSetup("a passphrase", knownHostEntry: true);
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        string[] args = [$"--repo=ssh://git@127.0.0.1:{port}/repo", "--ssh-key-file=" + key, "--ssh-known-hosts-file=" + knownHosts];

        GitSyncProcess plain = await CheckAsync(args);
        Assert.True(plain.ExitCode == 0, "plain --check only validates the configuration\n" + plain.Diagnostics());

        GitSyncProcess probed = await CheckAsync([.. args, "--probe"]);
        AssertProblem(probed, "ssh_key_unusable", $"--ssh-key-file {key} can't be used: it is passphrase-protected");
        Assert.Single(probed.StderrLines, l => l.StartsWith("ERROR: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Probe_reports_an_unreadable_key_as_ssh_key_unusable()
    {
        TempDir shared = SharedDir();
        (string original, string knownHosts, int port) = SshSetup("", knownHostEntry: true);
        string key = shared.Combine("id");
        File.Copy(original, key);
        File.SetUnixFileMode(key, UnixFileMode.None);
        string copiedHosts = shared.Combine("known_hosts");
        File.Copy(knownHosts, copiedHosts);
        File.SetUnixFileMode(copiedHosts, (UnixFileMode)0x1A4);
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();

        GitSyncProcess p = await CheckAsync([$"--repo=ssh://git@127.0.0.1:{port}/repo", "--ssh-key-file=" + key, "--ssh-known-hosts-file=" + copiedHosts, "--probe"],
            AsNobody(shared), new Dictionary<string, string?> { ["HOME"] = shared.Path });

        AssertProblem(p, "ssh_key_unusable", $"--ssh-key-file {key} can't be used: permission denied");
    }

    [Fact]
    public async Task Probe_reports_a_host_missing_from_known_hosts_as_ssh_host_key_unknown()
    {
        (string key, string knownHosts, int port) = SshSetup("", knownHostEntry: false);
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();

        GitSyncProcess p = await CheckAsync([$"--repo=ssh://git@127.0.0.1:{port}/repo", "--ssh-key-file=" + key, "--ssh-known-hosts-file=" + knownHosts, "--probe"]);

        AssertProblem(p, "ssh_host_key_unknown", $"has no key for [127.0.0.1]:{port}");
    }

    [Fact]
    public async Task Probe_passes_when_key_known_host_name_and_port_are_all_fine()
    {
        (string key, string knownHosts, int port) = SshSetup("", knownHostEntry: true);
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();

        GitSyncProcess p = await CheckAsync([$"--repo=ssh://git@127.0.0.1:{port}/repo", "--ssh-key-file=" + key, "--ssh-known-hosts-file=" + knownHosts, "--probe"]);

        Assert.True(p.ExitCode == 0, p.Diagnostics());
    }

    [Fact]
    public async Task Probe_reports_an_unresolvable_host_as_name_resolution_failed()
    {
        GitSyncProcess p = await CheckAsync(["--repo=https://git-sync-test.invalid/repo", "--probe"]);

        AssertProblem(p, "name_resolution_failed", "can't resolve git-sync-test.invalid");
    }

    [Fact]
    public async Task Probe_reports_a_closed_port_as_connection_failed()
    {
        int closed = Ports.Free();

        GitSyncProcess p = await CheckAsync([$"--repo=http://127.0.0.1:{closed}/repo", "--probe"]);

        AssertProblem(p, "connection_failed", $"can't connect to 127.0.0.1 port {closed}");
    }

    [Fact]
    public async Task Probe_without_check_is_a_configuration_error()
    {
        GitSyncProcess p = Start(["--repo=https://example.com/repo", "--root=/tmp/x", "--probe"]);
        await p.WaitForExitAsync(ExitDeadline);

        Assert.Equal(1, p.ExitCode);
        Assert.Contains("--probe only goes with --check", p.Stderr, StringComparison.Ordinal);
    }
}
