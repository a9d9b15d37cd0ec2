using System.Text;

namespace GitSync.Auth;

/// <summary>
/// The <c>GIT_SSH_COMMAND</c> git-sync gives git (spec §5): the caller's own command (or
/// <c>ssh</c>) followed by host-key checking, <c>IdentitiesOnly</c> and one <c>-i</c> per key.
/// git runs the value through a shell, so every path is quoted.
/// </summary>
internal static class SshCommand
{
    public const string DefaultKeyFile = "/etc/git-secret/ssh";

    /// <summary>
    /// Builds the command. <paramref name="callerCommand"/> is the caller's <c>GIT_SSH_COMMAND</c>
    /// (kept first, so its own options such as <c>-p</c> or <c>-F</c> still apply); ssh's own
    /// debug output is turned up with git-sync's verbosity, as upstream does.
    /// </summary>
    public static string Build(AuthOptions auth, string? callerCommand, int verbosity, IReadOnlyList<string> keyFiles, SshConnections? sharing = null)
    {
        var sb = new StringBuilder(string.IsNullOrWhiteSpace(callerCommand) ? "ssh" : callerCommand.Trim());
        if (verbosity >= 9)
        {
            sb.Append(" -vvv");
        }
        else if (verbosity >= 7)
        {
            sb.Append(" -vv");
        }
        else if (verbosity >= 5)
        {
            sb.Append(" -v");
        }
        if (auth.SshKnownHosts)
        {
            sb.Append(" -o StrictHostKeyChecking=yes -o UserKnownHostsFile=").Append(ShellQuote(auth.SshKnownHostsFile));
        }
        else
        {
            // /dev/null: an unchecked host key is not worth remembering, and HOME may be read-only.
            sb.Append(" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null");
        }
        if (keyFiles.Count > 0)
        {
            // Only the given keys: an agent or ~/.ssh key must not be offered (and count
            // against the server's MaxAuthTries) before them.
            sb.Append(" -o IdentitiesOnly=yes");
        }
        foreach (var key in keyFiles)
        {
            sb.Append(" -i ").Append(ShellQuote(key));
        }
        if (sharing is not null)
        {
            sb.Append(' ').Append(sharing.Options);
        }
        return sb.ToString();
    }

    /// <summary>
    /// The key files to pass. With a caller-supplied <c>GIT_SSH_COMMAND</c> and only the default
    /// key configured, a missing default key is dropped: the caller's command brings its own.
    /// </summary>
    public static IReadOnlyList<string> KeyFiles(AuthOptions auth, string? callerCommand, Func<string, bool>? fileExists = null)
    {
        var callerHasCommand = !string.IsNullOrWhiteSpace(callerCommand);
        if (callerHasCommand && auth.SshKeyFiles is [DefaultKeyFile] && !(fileExists ?? File.Exists)(DefaultKeyFile))
        {
            return [];
        }
        return auth.SshKeyFiles;
    }

    /// <summary>Quotes for a POSIX shell when the word needs it.</summary>
    public static string ShellQuote(string word)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '+' or ':' or '=' or '@' or ','))
        {
            return word;
        }
        return "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
