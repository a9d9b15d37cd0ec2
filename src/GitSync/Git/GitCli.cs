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

    /// <summary>The hint given to <see cref="GitCli.RunAsync"/>, if any.</summary>
    public string? Hint { get; } = hint;

    /// <summary>For a ref the remote lacks: the nearest names it has (for the failure's hint).</summary>
    public IReadOnlyList<string>? ClosestRefs { get; init; }

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
/// The only code that starts git. Commands run through <see cref="ChildProcess"/> (own process
/// group, so a timeout kills git and its ssh/helpers too); failures become a
/// <see cref="GitException"/> with the redacted command and stderr; commands and output are
/// logged through the redacting logger at -v 5 / -v 6.
/// </summary>
internal sealed class GitCli
{
    private readonly Log _log;
    private readonly IReadOnlyDictionary<string, string> _environment;

    public GitCli(string gitPath, IReadOnlyDictionary<string, string> environment, Log log)
    {
        GitPath = gitPath;
        _environment = environment;
        _log = log;
    }

    public string GitPath { get; }

    public async Task<GitResult> RunAsync(string? workDir, IReadOnlyList<string> args, CancellationToken ct,
        string? stdin = null, bool check = true, string? hint = null)
    {
        var commandText = Describe(args);
        if (_log.Enabled(5))
        {
            _log.Info(5, "running command", ("cwd", workDir ?? ""), ("cmd", commandText));
        }
        ChildResult result;
        try
        {
            result = await ChildProcess.RunAsync(GitPath, args, workDir, _environment, stdin, ct).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // What a shell would report (127) for a program that can't be started.
            result = new ChildResult(127, "", $"can't start {GitPath}: {e.Message}");
        }
        if (_log.Enabled(6))
        {
            _log.Info(6, "command result", ("cmd", commandText), ("exit", result.ExitCode), ("stdout", result.Stdout), ("stderr", result.Stderr));
        }
        if (check && result.ExitCode != 0)
        {
            throw new GitException(_log.Redactor.Redact(commandText), result.ExitCode, _log.Redactor.Redact(result.Stderr), hint);
        }
        return new GitResult(result.ExitCode, result.Stdout, result.Stderr);
    }

    /// <summary>Runs <c>git version</c> once at start-up: a git that can't run stops git-sync with one line.</summary>
    /// <exception cref="ConfigException">git can't be run.</exception>
    public async Task<string> ProbeVersionAsync(CancellationToken ct)
    {
        var version = await RunAsync(null, ["version"], ct, check: false).ConfigureAwait(false);
        if (version.ExitCode != 0)
        {
            throw new ConfigException($"can't run git (--git={GitPath}): {version.Stderr.Trim()}");
        }
        _log.Info(1, "git version", ("version", version.Stdout.Trim()));
        return version.Stdout.Trim();
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
}
