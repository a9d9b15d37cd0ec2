using System.Diagnostics;
using System.Text;

namespace GitSync.Tests.Infrastructure;

/// <summary>Result of one git invocation.</summary>
public sealed record GitResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs the real git CLI for the tests' own use (building source repos, inspecting what
/// git-sync produced). Isolated from the machine's global and system config so a developer's
/// settings (signing, hooks, default branch) cannot change what the tests see.
/// </summary>
public static class LocalGit
{
    private static readonly string[] IsolationConfig =
    [
        "-c", "user.name=git-sync tests",
        "-c", "user.email=tests@git-sync.invalid",
        "-c", "commit.gpgsign=false",
        "-c", "tag.gpgsign=false",
        "-c", "init.defaultBranch=main",
        "-c", "protocol.file.allow=always",
        "-c", "core.hooksPath=/dev/null",
        "-c", "gc.auto=0",
    ];

    private static readonly Lazy<string> ExecutablePath = new(FindOnPath);

    /// <summary>Absolute path of the real git executable (for wrapper scripts that must not recurse).</summary>
    public static string Executable => ExecutablePath.Value;

    public static GitResult Run(string? workingDirectory, params string[] args) =>
        Run(workingDirectory, TimeSpan.FromSeconds(60), args);

    public static GitResult Run(string? workingDirectory, TimeSpan timeout, params string[] args)
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            info.ArgumentList.Add("-C");
            info.ArgumentList.Add(workingDirectory);
        }

        foreach (string arg in IsolationConfig)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("GIT_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        info.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start git");
        process.StandardInput.Close();
        // Read both pipes concurrently so a chatty command cannot deadlock on a full pipe.
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"git {string.Join(' ', args)} did not finish within {timeout}");
            }

            Task.WaitAll([stdout, stderr], timeout);
            return new GitResult(process.ExitCode, stdout.Result, stderr.Result);
        }
        finally
        {
            process.StandardOutput.Dispose();
            process.StandardError.Dispose();
        }
    }

    /// <summary>Runs git and returns its trimmed stdout; throws with stderr when git fails.</summary>
    public static string Output(string? workingDirectory, params string[] args)
    {
        GitResult result = Run(workingDirectory, args);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"git {string.Join(' ', args)} (in {workingDirectory ?? "cwd"}) exited {result.ExitCode}: {result.Stderr.Trim()}");
        }

        return result.Stdout.Trim();
    }

    private static string FindOnPath()
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        foreach (string dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "git");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("git was not found on PATH; the end-to-end tests need the real git CLI");
    }

    internal static string Describe(GitResult result) =>
        new StringBuilder()
            .Append("exit ").Append(result.ExitCode)
            .Append("; stdout: ").Append(result.Stdout.Trim())
            .Append("; stderr: ").Append(result.Stderr.Trim())
            .ToString();
}
