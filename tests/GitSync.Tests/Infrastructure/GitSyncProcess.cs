using System.Diagnostics;
using System.Text;

namespace GitSync.Tests.Infrastructure;

/// <summary>
/// The real git-sync executable running as a child process. stdout and stderr are captured
/// concurrently (git-sync logs JSON lines on stderr); <see cref="Diagnostics"/> renders the tail
/// for assertion messages. The child runs in its own session so that a kill takes its git
/// children with it, as a container runtime killing the pod would.
/// </summary>
public sealed class GitSyncProcess : IDisposable
{
    private static readonly Lazy<string> Binary = new(FindBinary);

    private readonly Process _process;
    private readonly OutputLines _stdout = new();
    private readonly OutputLines _stderr = new();
    private readonly Task _pumps;
    private readonly TempDir? _home;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private bool _disposed;

    private GitSyncProcess(Process process, IReadOnlyList<string> arguments, TempDir? home)
    {
        _process = process;
        Arguments = arguments;
        _home = home;
        Pid = process.Id;
        _pumps = Task.WhenAll(
            Pump(process.StandardOutput, _stdout),
            Pump(process.StandardError, _stderr));
    }

    /// <summary>Path of the executable under test.</summary>
    public static string BinaryPath => Binary.Value;

    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Pid of the first process started (git-sync itself unless started under a launcher such as unshare).</summary>
    public int Pid { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Stdout => _stdout.Text;

    public string Stderr => _stderr.Text;

    public IReadOnlyList<string> StderrLines => _stderr.Snapshot();

    /// <summary>Unchanged polls so far: each logs "update not required" at <c>-v=3</c> and above.</summary>
    public int UnchangedPolls => StderrLines.Count(l => l.Contains("update not required", StringComparison.Ordinal));

    /// <summary>
    /// Starts git-sync with <paramref name="args"/>. The child gets a private HOME (unless
    /// <paramref name="env"/> sets one) and none of the caller's GITSYNC_*, GIT_SYNC_* or GIT_*
    /// variables; <paramref name="env"/> adds variables (a null value removes one).
    /// <paramref name="launcher"/> is an optional command prefix such as <c>unshare --pid --fork</c>.
    /// </summary>
    public static GitSyncProcess Start(
        IEnumerable<string> args,
        IReadOnlyDictionary<string, string?>? env = null,
        string? workingDirectory = null,
        IEnumerable<string>? launcher = null)
    {
        List<string> arguments = [.. args];
        // setsid: own session, so Kill() can take every descendant down at once.
        // env --default-signal: start with default signal dispositions even when the test host
        // inherited SIGINT/SIGQUIT as ignored (background jobs of a non-interactive shell).
        var info = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        info.ArgumentList.Add("env");
        info.ArgumentList.Add("--default-signal");
        foreach (string part in launcher ?? [])
        {
            info.ArgumentList.Add(part);
        }

        info.ArgumentList.Add(BinaryPath);
        foreach (string arg in arguments)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (string key in info.Environment.Keys
                     .Where(k => k.StartsWith("GIT", StringComparison.Ordinal))
                     .ToList())
        {
            info.Environment.Remove(key);
        }

        TempDir? home = null;
        if (env is null || !env.ContainsKey("HOME"))
        {
            home = TempDir.Create("home");
            info.Environment["HOME"] = home.Path;
        }

        foreach ((string key, string? value) in env ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        Process process = Process.Start(info)
            ?? throw new InvalidOperationException($"could not start {BinaryPath}");
        // git-sync never reads stdin; closing it keeps it from ever blocking on the test host.
        process.StandardInput.Close();
        return new GitSyncProcess(process, arguments, home);
    }

    /// <summary>Waits for exit and returns the exit code; throws with the stderr tail on timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"git-sync did not exit within {timeout.TotalSeconds:0.#}s\n{Diagnostics()}");
        }

        // Let the pumps drain what was written before exit, but do not wait on a pipe a stray
        // grandchild may still hold open.
        await Task.WhenAny(_pumps, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>True when the process exits within <paramref name="timeout"/>.</summary>
    public async Task<bool> ExitsWithinAsync(TimeSpan timeout)
    {
        try
        {
            await WaitForExitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// SIGKILLs git-sync and everything it started (the whole session), like a node or container
    /// crash: no handler runs, and no orphaned git keeps writing into the root afterwards.
    /// </summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            Libc.Kill(Pid, Libc.SIGKILL);
        }

        // Everyone left in the session is a descendant; kill until none is alive (a git
        // may fork between a snapshot and the kill, so repeat).
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            List<ProcessEntry> members = [.. ProcessTable.Snapshot().Where(p => p.Session == Pid && !p.IsZombie)];
            if (members.Count == 0)
            {
                break;
            }

            foreach (ProcessEntry member in members)
            {
                Libc.Kill(member.Pid, Libc.SIGKILL);
            }

            Thread.Sleep(5);
        }

        _process.WaitForExit(TimeSpan.FromSeconds(10));
    }

    /// <summary>Sends a signal to git-sync (kill(2)).</summary>
    public void SendSignal(int signal)
    {
        if (!Libc.Kill(Pid, signal))
        {
            throw new InvalidOperationException($"git-sync (pid {Pid}) is gone; could not send signal {signal}\n{Diagnostics()}");
        }
    }

    /// <summary>Command line, state and the last 40 stderr lines: for assertion messages.</summary>
    public string Diagnostics() => Diagnostics(40);

    /// <summary>Command line, state and the last <paramref name="tailLines"/> stderr lines.</summary>
    public string Diagnostics(int tailLines)
    {
        var text = new StringBuilder();
        text.Append("git-sync ").AppendJoin(' ', Arguments.Select(Quote)).AppendLine();
        text.Append("pid ").Append(Pid).Append(", running for ").Append(_clock.Elapsed.TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)).Append("s, ");
        text.AppendLine(_process.HasExited ? $"exited with {_process.ExitCode}" : "still running");
        IReadOnlyList<string> lines = _stderr.Snapshot();
        text.Append("--- stderr, last ").Append(Math.Min(tailLines, lines.Count)).Append(" of ").Append(lines.Count).AppendLine(" lines ---");
        foreach (string line in lines.Skip(Math.Max(0, lines.Count - tailLines)))
        {
            text.AppendLine(line);
        }

        string stdout = _stdout.Text;
        if (stdout.Length > 0)
        {
            text.AppendLine("--- stdout (tail) ---");
            text.AppendLine(stdout.Length > 2000 ? stdout[^2000..] : stdout);
        }

        return text.ToString();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Kill();
        _pumps.Wait(TimeSpan.FromSeconds(2));
        // Disposing the Process does not close redirected pipes; close them ourselves.
        _process.StandardOutput.Dispose();
        _process.StandardError.Dispose();
        _process.Dispose();
        _home?.Dispose();
    }

    private static async Task Pump(StreamReader reader, OutputLines sink)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                sink.Add(line);
            }
        }
        catch (ObjectDisposedException)
        {
        }
        catch (IOException)
        {
        }
    }

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_=./:,@+%".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string FindBinary()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("GITSYNC_TEST_BINARY");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            if (!File.Exists(fromEnv))
            {
                throw new InvalidOperationException($"GITSYNC_TEST_BINARY is set to '{fromEnv}', which does not exist");
            }

            return Path.GetFullPath(fromEnv);
        }

        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GitSync.slnx")))
            {
                string candidate = Path.Combine(dir.FullName, "dist", "git-sync");
                if (!File.Exists(candidate))
                {
                    throw new InvalidOperationException(
                        $"git-sync binary not found at {candidate}. Publish it first (see the README's set-up " +
                        "command, e.g. `dotnet publish src/GitSync -c Release -o dist`) or set GITSYNC_TEST_BINARY.");
                }

                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"could not find GitSync.slnx above {AppContext.BaseDirectory} to locate dist/git-sync; set GITSYNC_TEST_BINARY");
    }

    /// <summary>Lines of one output stream, appended by a pump and read by tests concurrently.</summary>
    private sealed class OutputLines
    {
        private readonly List<string> _lines = [];
        private readonly Lock _gate = new();

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return string.Join('\n', _lines);
                }
            }
        }

        public void Add(string line)
        {
            lock (_gate)
            {
                _lines.Add(line);
            }
        }

        public IReadOnlyList<string> Snapshot()
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }
}
