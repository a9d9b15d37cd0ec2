using System.Diagnostics;
using System.Text;

namespace GitSync.Platform;

/// <summary>What a child process produced.</summary>
internal sealed record ChildResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// Runs a child process in its own process group (via <c>setsid --wait</c>) so that cancelling
/// kills it <em>and</em> everything it spawned, even descendants that re-parented themselves.
/// stdout and stderr are read concurrently; every pipe is closed explicitly (disposing a
/// Process does not, and leaked pipes pile up until a GC).
/// </summary>
internal static class ChildProcess
{
    /// <summary>How long to wait for the pipes to close after the child has exited.</summary>
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(1);

    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <exception cref="System.ComponentModel.Win32Exception">The program could not be started.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the process group was killed.</exception>
    public static async Task<ChildResult> RunAsync(string fileName, IReadOnlyList<string> args, string? workDir,
        IReadOnlyDictionary<string, string>? environment, string? stdin, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var psi = StartInfo(Locate(fileName, environment), args, workDir, environment);
        using var process = new Process { StartInfo = psi };
        process.Start();
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
                // The child exited without reading its input; its exit code tells the story.
            }
            finally
            {
                input.Dispose();
            }

            var drained = Task.WhenAll(outTask, errTask);
            using (ct.Register(() => KillGroup(process, pid)))
            {
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                // A descendant that outlives the child (a daemon a hook started in the
                // background) inherits the pipes and may hold them open for hours: what it
                // writes is not the child's output, so wait for it only briefly.
                try
                {
                    await drained.WaitAsync(DrainGrace, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is TimeoutException || drained.IsFaulted)
                {
                    // Timed out (or a read failed): reported below as output not collected.
                }
            }
            ct.ThrowIfCancellationRequested();
            var output = drained.IsCompletedSuccessfully ? outTask.Result : "";
            var error = drained.IsCompletedSuccessfully ? errTask.Result : "(output not collected: a background process kept it open)";
            return new ChildResult(process.ExitCode, output, error);
        }
        finally
        {
            stdout.Dispose();
            stderr.Dispose();
            input.Dispose();
        }
    }

    /// <summary>The child in a session of its own (setsid, when installed), with its pipes redirected.</summary>
    private static ProcessStartInfo StartInfo(string fileName, IReadOnlyList<string> args, string? workDir, IReadOnlyDictionary<string, string>? environment)
    {
        var psi = new ProcessStartInfo
        {
            FileName = Setsid ?? fileName,
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
            // The program is a user value (--git, a hook): never one of setsid's options.
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(fileName);
        }
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        if (workDir is not null)
        {
            psi.WorkingDirectory = workDir;
        }
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                psi.Environment[k] = v;
            }
        }

        return psi;
    }

    /// <summary>
    /// The absolute path of a program given by bare name, looked up on <c>$PATH</c> (the child's,
    /// when <paramref name="environment"/> sets one). Only absolute <c>$PATH</c> entries count:
    /// an empty or relative entry (".") would resolve against the child's working directory —
    /// a worktree, whose files anyone who can push controls — and .NET's own lookup would also
    /// try git-sync's directory and current directory first. A name with a slash is returned as
    /// it is.
    /// </summary>
    /// <exception cref="System.ComponentModel.Win32Exception">No such program on <c>$PATH</c>.</exception>
    internal static string Locate(string fileName, IReadOnlyDictionary<string, string>? environment)
    {
        if (fileName.Contains('/', StringComparison.Ordinal))
        {
            return fileName;
        }
        string? path = null;
        if (environment is null || !environment.TryGetValue("PATH", out path))
        {
            path = Environment.GetEnvironmentVariable("PATH");
        }
        foreach (var dir in (path ?? "/usr/local/bin:/usr/bin:/bin").Split(':'))
        {
            if (!dir.StartsWith('/') || fileName.Length == 0)
            {
                continue;
            }
            var candidate = Path.Combine(dir, fileName);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }
        throw new System.ComponentModel.Win32Exception(2, $"no program named \"{fileName}\" in the absolute directories of $PATH");
    }

    private static void KillGroup(Process process, int pid)
    {
        try
        {
            if (Setsid is not null)
            {
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
}
