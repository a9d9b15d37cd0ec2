using GitSync.Auth;
using Xunit;

namespace GitSync.Tests.Auth;

/// <summary>SSH connection sharing: its settings and where they go in the SSH command.</summary>
public sealed class SshConnectionsTests
{
    [Fact]
    public void Ssh_sharing_puts_the_socket_in_the_private_directory_and_outlives_the_poll_period()
    {
        SshConnections sharing = SshConnections.Create("/dev/shm/git-sync-7-0a1b2c3d", TimeSpan.FromSeconds(10), verbosity: 0)!;
        Assert.Equal(TimeSpan.FromMinutes(1), sharing.Persist);
        Assert.Contains("-o ControlMaster=auto", sharing.Options, StringComparison.Ordinal);
        Assert.Contains("-o ControlPath='/dev/shm/git-sync-7-0a1b2c3d/ssh-%C'", sharing.Options, StringComparison.Ordinal);
        Assert.Contains("-o ControlPersist=60s", sharing.Options, StringComparison.Ordinal);

        Assert.Equal(TimeSpan.FromSeconds(330), SshConnections.Create("/tmp/x", TimeSpan.FromMinutes(5), 0)!.Persist);
        Assert.Equal(TimeSpan.FromMinutes(10), SshConnections.Create("/tmp/x", TimeSpan.FromHours(1), 0)!.Persist);
    }

    [Fact]
    public void Ssh_sharing_is_off_with_ssh_debug_output_or_a_socket_path_too_long()
    {
        Assert.Null(SshConnections.Create("/tmp/x", TimeSpan.FromSeconds(10), verbosity: 5));
        Assert.NotNull(SshConnections.Create("/tmp/x", TimeSpan.FromSeconds(10), verbosity: 4));
        Assert.Null(SshConnections.Create("/" + new string('d', 45), TimeSpan.FromSeconds(10), 0));
        Assert.NotNull(SshConnections.Create("/" + new string('d', 44), TimeSpan.FromSeconds(10), 0));
        Assert.Null(SshConnections.Create("/tmp/100%", TimeSpan.FromSeconds(10), 0));
    }

    [Fact]
    public void Ssh_command_adds_sharing_after_the_callers_own_options()
    {
        var auth = new AuthOptions { SshKeyFiles = ["/k"] };
        string command = SshCommand.Build(auth, "ssh -o ControlMaster=no", 0, auth.SshKeyFiles, SshConnections.Create("/tmp/x", TimeSpan.FromSeconds(10), 0));
        // ssh takes the first value given for an option: the caller's.
        Assert.True(command.IndexOf("ControlMaster=no", StringComparison.Ordinal) < command.IndexOf("ControlMaster=auto", StringComparison.Ordinal));
        Assert.DoesNotContain("Control", SshCommand.Build(auth, null, 0, auth.SshKeyFiles), StringComparison.Ordinal);
    }
}
