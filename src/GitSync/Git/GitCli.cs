using System.Diagnostics;
using System.Text;
using GitSync.Logging;
using GitSync.Platform;

namespace GitSync.Git;

/// <summary>What one git command produced.</summary>
internal sealed record GitResult(int ExitCode, string Stdout, string Stderr);

/// <summary>A git command that failed; the message carries the redacted command and stderr tail.</summary>
internal sealed class GitException(string command, int exitCode, string stderr, string? hint = null)
    : Exception(Describe(command, exitCode, stderr, hint))
{
    public string Command { get; } = command;
    public int ExitCode { get; } = exitCode;
    public string Stderr { get; } = stderr;

    private static string Describe(string command, int exitCode, string stderr, string? hint)
    {
        var tail = stderr.Trim();
        if (tail.Length > 2000)
        {
            tail = "..." + tail[^2000..];
        }
        var text = $"run({command}): exit {exitCode}: {{ stderr: {tail} }}";
        return hint is null ? text : $"{text}: {hint}";
    }
}

/// <summary>
/// The only code that starts git. Each command runs in its own process group (via
/// <c>setsid</c>) so a timeout or shutdown kills git <em>and</em> everything it spawned
/// (ssh, remote helpers, upload-pack); output is read concurrently; every pipe is closed
/// explicitly; commands and output are logged through the redacting logger at -v 5 / -v 6.
/// </summary>
internal sealed class GitCli
{
    private static readonly string? Setsid = FindSetsid();
    private readonly Log _log;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private long _commandCount;

    public GitCli(string gitPath, IReadOnlyDictionary<string, string> environment, Log log)
    {
        GitPath = gitPath;
        _environment = environment;
        _log = log;
    }

    public string GitPath { get; }

    /// <summary>How many git processes this instance has started (for diagnostics and benchmarks).</summary>
    public long CommandCount => Interlocked.Read(ref _commandCount);

    public async Task<GitResult> RunAsync(string? workDir, IReadOnlyList<string> args, CancellationToken ct,
        string? stdin = null, bool check = true, string? hint = null)
    {
        var commandText = Describe(args);
        if (_log.Enabled(5))
        {
            _log.Info(5, "running command", ("cwd", workDir ?? ""), ("cmd", commandText));
        }
        ct.ThrowIfCancellationRequested();
        var psi = new ProcessStartInfo
        {
            FileName = Setsid ?? GitPath,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (Setsid is not null)
        {
            psi.ArgumentList.Add("--wait");
            psi.ArgumentList.Add(GitPath);
        }
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        if (workDir is not null)
        {
            psi.WorkingDirectory = workDir;
        }
        foreach (var (k, v) in _environment)
        {
            psi.Environment[k] = v;
        }

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new GitException(commandText, -1, $"cannot start {GitPath}: {e.Message}");
        }
        Interlocked.Increment(ref _commandCount);
        var pid = process.Id;
        var stdout = process.StandardOutput;
        var stderr = process.StandardError;
        var input = process.StandardInput;
        try
        {
            var outTask = stdout.ReadToEndAsync(CancellationToken.None);
            var errTask = stderr.ReadToEndAsync(CancellationToken.None);
            try
            {
                if (stdin is not null)
                {
                    await input.WriteAsync(stdin.AsMemory(), ct).ConfigureAwait(false);
                }
            }
            catch (IOException)
            {
                // git exited before reading its input; its exit code tells the story.
            }
            finally
            {
                input.Dispose();
            }

            using (ct.Register(() => KillTree(process, pid)))
            {
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            var output = await outTask.ConfigureAwait(false);
            var error = await errTask.ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            if (_log.Enabled(6))
            {
                _log.Info(6, "command result", ("cmd", commandText), ("exit", process.ExitCode), ("stdout", output), ("stderr", error));
            }
            if (check && process.ExitCode != 0)
            {
                throw new GitException(_log.Redactor.Redact(commandText), process.ExitCode, _log.Redactor.Redact(error), hint);
            }
            return new GitResult(process.ExitCode, output, error);
        }
        finally
        {
            // Disposing Process does not close redirected pipes; leaving them to the GC leaks FDs.
            stdout.Dispose();
            stderr.Dispose();
            input.Dispose();
        }
    }

    public Task<GitResult> RunAsync(string? workDir, CancellationToken ct, params string[] args)
        => RunAsync(workDir, args, ct);

    private static void KillTree(Process process, int pid)
    {
        try
        {
            if (Setsid is not null)
            {
                // setsid made git the leader of its own group: signal the group, which also
                // reaches descendants that re-parented themselves.
                Native.Kill(-pid, Native.SigKill);
            }
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    private string Describe(IReadOnlyList<string> args)
    {
        var sb = new StringBuilder(GitPath);
        foreach (var a in args)
        {
            sb.Append(' ');
            sb.Append(a.Contains(' ') || a.Length == 0 ? "\"" + a + "\"" : a);
        }
        return sb.ToString();
    }

    private static string? FindSetsid()
    {
        foreach (var candidate in new[] { "/usr/bin/setsid", "/bin/setsid" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
