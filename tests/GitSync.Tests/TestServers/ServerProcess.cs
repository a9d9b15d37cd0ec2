using System.Diagnostics;
using System.Text;
using GitSync.Tests.Infrastructure;

namespace GitSync.Tests.TestServers;

/// <summary>
/// A server daemon (nginx, fcgiwrap, sshd) run in the foreground in its own session, with its
/// output kept for diagnostics. Dispose SIGKILLs the whole session, so preforked workers and
/// per-connection children go with it.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private readonly Task _pumps;

    private ServerProcess(Process process, string description)
    {
        _process = process;
        Description = description;
        _pumps = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
    }

    public string Description { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the server printed so far (stdout and stderr interleaved by line).</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="program"/> as the leader of a new session (via setsid).</summary>
    public static ServerProcess Start(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(program);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach ((string key, string value) in env ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        Process process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        process.StandardInput.Close();
        return new ServerProcess(process, program + " " + string.Join(' ', info.ArgumentList.Skip(1)));
    }

    /// <summary>Full path of a server program, looked up in PATH and the sbin directories.</summary>
    public static string Find(string name, string package)
    {
        string path = (Environment.GetEnvironmentVariable("PATH") ?? "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        foreach (string dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"{name} is not installed; the auth tests need the Debian package '{package}' (scripts/install-deps.sh, run by ./scripts/test.sh, installs it)");
    }

    /// <summary>Polls until a TCP connect to 127.0.0.1:<paramref name="port"/> succeeds; throws with the server output otherwise.</summary>
    public async Task WaitForPortAsync(int port, TimeSpan? deadline = null)
    {
        await Poll.UntilAsync(
            async () =>
            {
                if (HasExited)
                {
                    throw new Xunit.Sdk.XunitException($"{Description} exited with {_process.ExitCode}:\n{Output}");
                }

                using var client = new System.Net.Sockets.TcpClient();
                try
                {
                    await client.ConnectAsync(System.Net.IPAddress.Loopback, port).ConfigureAwait(false);
                    return true;
                }
                catch (System.Net.Sockets.SocketException)
                {
                    return false;
                }
            },
            deadline ?? TimeSpan.FromSeconds(10),
            $"{Description} listens on port {port}",
            () => Output).ConfigureAwait(false);
    }

    public void Dispose()
    {
        int pid = _process.Id;
        // The session id is the leader's pid: kill everyone in it, the leader last.
        foreach (ProcessEntry member in ProcessTable.Snapshot().Where(p => p.Session == pid && p.Pid != pid && !p.IsZombie))
        {
            Libc.Kill(member.Pid, Libc.SIGKILL);
        }

        if (!_process.HasExited)
        {
            Libc.Kill(pid, Libc.SIGKILL);
        }

        _process.WaitForExit(TimeSpan.FromSeconds(5));
        foreach (ProcessEntry member in ProcessTable.Snapshot().Where(p => p.Session == pid && !p.IsZombie))
        {
            Libc.Kill(member.Pid, Libc.SIGKILL);
        }

        _pumps.Wait(TimeSpan.FromSeconds(2));
        _process.StandardOutput.Dispose();
        _process.StandardError.Dispose();
        _process.Dispose();
    }

    private async Task Pump(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (_gate)
                {
                    if (_output.Length < 200_000)
                    {
                        _output.AppendLine(line);
                    }
                }
            }
        }
        catch (ObjectDisposedException)
        {
        }
        catch (IOException)
        {
        }
    }
}
