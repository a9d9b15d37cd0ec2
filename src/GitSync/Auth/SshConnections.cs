using System.Globalization;
using GitSync.Platform;

namespace GitSync.Auth;

/// <summary>
/// OpenSSH connection sharing, so SSH costs what HTTP costs: the first ssh git starts becomes a
/// background master (<c>ControlMaster=auto</c>) that keeps the connection open, and the probe,
/// the fetch and every later poll run as sessions over it instead of a new TCP connection, key
/// exchange and authentication each (~290 ms of wall time and most of the server's CPU per
/// connection). Its socket is in git-sync's private directory; the master is stopped at exit
/// (<c>ssh -O exit</c>), and <c>ControlPersist</c> ends it by itself once no client has used it
/// for a while, which bounds what a SIGKILLed git-sync leaves behind.
/// </summary>
/// <remarks>
/// The master detaches into its own session (OpenSSH daemonizes it), so the process-group kill
/// of a timed-out git command does not take it down with the command.
/// </remarks>
internal sealed class SshConnections
{
    /// <summary>A Unix socket path holds at most 107 bytes; ssh adds a 17-byte temporary suffix while it binds.</summary>
    private const int MaxSocketPath = 107 - 17;

    private const string SocketPrefix = "ssh-";

    private readonly string _directory;

    private SshConnections(string directory, TimeSpan persist)
    {
        _directory = directory;
        Persist = persist;
    }

    /// <summary>How long an idle master lives.</summary>
    public TimeSpan Persist { get; }

    /// <summary><c>%C</c>: a hash of local host, remote host, port and user, so every server gets its own master.</summary>
    private string ControlPath => Path.Combine(_directory, SocketPrefix + "%C");

    /// <summary>
    /// Sharing for connections made from <paramref name="directory"/>, or null when it can't
    /// work: the socket path would be too long (or hold ssh's <c>%</c> token character), or ssh's own debug output is on
    /// (<paramref name="verbosity"/> ≥ 5) — a master started with <c>-v</c> keeps git's stderr
    /// open for its whole life, so git-sync could not tell when a command's output ends.
    /// </summary>
    /// <param name="longestWait">The longest time between two syncs (<c>--period</c>, <c>--init-period</c>).</param>
    public static SshConnections? Create(string directory, TimeSpan longestWait, int verbosity)
    {
        if (verbosity >= 5 || directory.Contains('%', StringComparison.Ordinal) || directory.Length + 1 + SocketPrefix.Length + 40 > MaxSocketPath)
        {
            return null;
        }
        // Long enough to outlive the wait between polls, short enough that a master orphaned by
        // a SIGKILL soon goes away.
        var persist = longestWait + TimeSpan.FromSeconds(30);
        persist = persist < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1)
            : persist > TimeSpan.FromMinutes(10) ? TimeSpan.FromMinutes(10) : persist;
        return new SshConnections(directory, persist);
    }

    /// <summary>The ssh options (added after the caller's own, so a caller's <c>-o ControlMaster=no</c> wins).</summary>
    public string Options =>
        "-o ControlMaster=auto -o ControlPath=" + SshCommand.ShellQuote(ControlPath)
        + " -o ControlPersist=" + ((long)Persist.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s"
        // A master whose connection silently died would otherwise hand every session to a dead link.
        + " -o ServerAliveInterval=15";

    /// <summary>Stops every master still running (best effort; each one ends by itself after <see cref="Persist"/>).</summary>
    public async Task CloseAsync(IReadOnlyDictionary<string, string> environment)
    {
        IEnumerable<string> sockets;
        try
        {
            sockets = Directory.EnumerateFileSystemEntries(_directory, SocketPrefix + "*").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (var socket in sockets)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                // The host name is required by the syntax and unused: the socket names the master.
                await ChildProcess.RunAsync("ssh", ["-o", "ControlPath=" + socket, "-O", "exit", "git-sync-master"],
                    _directory, environment, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or System.ComponentModel.Win32Exception)
            {
                // ControlPersist ends it.
            }
        }
    }
}
