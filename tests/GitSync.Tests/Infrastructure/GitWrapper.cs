namespace GitSync.Tests.Infrastructure;

/// <summary>
/// A shell script to pass as <c>--git</c>: it runs a snippet (sleep, log, dump config…) and then
/// execs the real git. Every invocation's arguments are appended to <see cref="InvocationLog"/>.
/// </summary>
public sealed class GitWrapper
{
    private GitWrapper(string path, string invocationLog)
    {
        Path = path;
        InvocationLog = invocationLog;
    }

    public string Path { get; }

    /// <summary>One line per git invocation: its arguments joined by spaces.</summary>
    public string InvocationLog { get; }

    /// <summary>
    /// Writes the wrapper into <paramref name="dir"/>. <paramref name="snippet"/> is POSIX sh run
    /// before the real git, with the arguments in "$@" and <c>$SUBCOMMAND</c> set to the first
    /// argument that is a git subcommand we care about (fetch, ls-remote, fsck, …) or empty.
    /// </summary>
    public static GitWrapper Create(TempDir dir, string snippet = "")
    {
        string path = dir.Combine("git-wrapper.sh");
        string log = dir.Combine("git-invocations.log");
        string script = $$"""
            #!/bin/sh
            printf '%s\n' "$*" >> '{{log}}'
            SUBCOMMAND=
            for arg in "$@"; do
              case "$arg" in
                fetch|ls-remote|clone|fsck|worktree|reset|gc|init|config|rev-parse) SUBCOMMAND="$arg"; break ;;
              esac
            done
            {{snippet}}
            exec '{{LocalGit.Executable}}' "$@"

            """;
        File.WriteAllText(path, script.Replace("\r\n", "\n", StringComparison.Ordinal));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                   UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
                                   UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return new GitWrapper(path, log);
    }

    /// <summary>Logged invocations so far.</summary>
    public IReadOnlyList<string> Invocations() =>
        File.Exists(InvocationLog) ? File.ReadAllLines(InvocationLog) : [];

    /// <summary>Logged invocations whose arguments include <paramref name="word"/> as a whole argument.</summary>
    public int CountWith(string word) =>
        Invocations().Count(line => line.Split(' ').Contains(word, StringComparer.Ordinal));
}
