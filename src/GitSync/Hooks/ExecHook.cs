using GitSync.Logging;
using GitSync.Platform;

namespace GitSync.Hooks;

/// <summary>
/// Runs a command in the new worktree with <c>GITSYNC_HASH</c> set (plus the inherited
/// environment). A relative command path with a slash is resolved against the worktree, so a
/// script committed in the repo can be the hook; a bare name is looked up on <c>$PATH</c> only.
/// The timeout kills the hook's whole process group.
/// </summary>
internal sealed class ExecHook(string name, CommandHookOptions options, IReadOnlyDictionary<string, string> environment, Log log) : IHook
{
    public string Name { get; } = name;

    public async Task RunAsync(string worktree, string hash, CancellationToken ct)
    {
        var command = ResolveCommand(options.Command, worktree);
        var env = new Dictionary<string, string>(environment, StringComparer.Ordinal) { ["GITSYNC_HASH"] = hash };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        log.Info(1, "running hook", ("hook", Name), ("command", options.Command), ("hash", hash));
        ChildResult result;
        try
        {
            result = await ChildProcess.RunAsync(command, [], worktree, env, null, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new HookException($"{Name} {options.Command} timed out after {Duration.Format(options.Timeout)}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new HookException($"{Name} {options.Command} could not be started: {e.Message}");
        }
        log.Info(2, "hook output", ("hook", Name), ("exit", result.ExitCode), ("stdout", result.Stdout), ("stderr", result.Stderr));
        if (result.ExitCode != 0)
        {
            var tail = result.Stderr.Trim();
            throw new HookException($"{Name} {options.Command} failed with exit {result.ExitCode}: {{ stdout: {result.Stdout.Trim()}, stderr: {tail} }}");
        }
    }

    internal static string ResolveCommand(string command, string worktree)
    {
        if (Path.IsPathRooted(command))
        {
            return command;
        }
        if (command.Contains('/'))
        {
            return Path.GetFullPath(command, worktree);
        }
        // A bare name is a program on $PATH, never a file of the worktree: anyone who can push
        // could otherwise replace "true" or "nginx" with a script of their own (the pre-publish
        // gate included). ChildProcess looks it up in the absolute $PATH directories only. To
        // run a script from the repository, name it with a slash: "./reload.sh".
        return command;
    }
}
