using System.Text.RegularExpressions;

namespace GitSync.Git;

/// <summary>
/// Puts a failure into its <see cref="FailureClass"/>: from git's exit status and stderr (the
/// messages of git, curl and OpenSSH, as they print them), from the exceptions of git-sync's
/// own checks, and from the SSH key files themselves when ssh only says "Permission denied".
/// The raw text stays the detail.
/// </summary>
internal sealed partial class FailureClassifier(IReadOnlyList<string> sshKeyFiles)
{
    private const int MaxDetail = 2000;

    /// <summary>A classifier that knows no SSH key files.</summary>
    public static FailureClassifier Default { get; } = new([]);

    /// <summary>
    /// Classifies an exception that ended a sync. An <see cref="OperationCanceledException"/> is
    /// the sync timeout (the caller handles a stop before asking).
    /// </summary>
    public Failure Classify(Exception e)
    {
        switch (e)
        {
            case IClassifiedFailure c:
                return new Failure(c.FailureClass, c.FailureHint ?? c.FailureClass.Hint, Truncate(e.Message));
            case GitException g:
                return ClassifyGit(g);
            case OperationCanceledException:
                return new Failure(FailureClass.SyncTimeout, Truncate(e.Message));
            case UnauthorizedAccessException:
                return new Failure(FailureClass.PermissionDenied, Truncate(e.Message));
            case IOException { HResult: Errno.ENOSPC or Errno.EDQUOT }:
                return new Failure(FailureClass.DiskFull, Truncate(e.Message));
            case IOException { HResult: Errno.EACCES or Errno.EPERM or Errno.EROFS }:
                return new Failure(FailureClass.PermissionDenied, Truncate(e.Message));
        }
        // Our own messages carry the OS's words ("no space left on device", "permission denied").
        var text = e.Message;
        if (DiskFullText().IsMatch(text))
        {
            return new Failure(FailureClass.DiskFull, Truncate(text));
        }
        if (PermissionText().IsMatch(text))
        {
            return new Failure(FailureClass.PermissionDenied, Truncate(text));
        }
        if (e.InnerException is { } inner)
        {
            var cause = Classify(inner);
            if (cause.Class != FailureClass.Other)
            {
                return cause with { Detail = Truncate(text) };
            }
        }
        return new Failure(FailureClass.Other, Truncate(text));
    }

    private Failure ClassifyGit(GitException e)
    {
        var detail = Truncate(e.Stderr.Trim().Length > 0 ? e.Stderr.Trim() : e.Message);
        if (e.ExitCode == 127 && e.Stderr.StartsWith("can't start", StringComparison.Ordinal))
        {
            return new Failure(FailureClass.Other, detail);
        }
        var cls = FromStderr(e.Stderr);
        if (cls != FailureClass.DiskFull && IsSubmoduleCommand(e.Command))
        {
            return new Failure(FailureClass.SubmoduleFailed, SubmoduleHint(e.Stderr, cls), detail);
        }
        if (cls == FailureClass.SshAuthRefused && UnusableKey() is { } keyHint)
        {
            return new Failure(FailureClass.SshKeyUnusable, keyHint, detail);
        }
        if (cls == FailureClass.RefNotFound && e.ClosestRefs is { Count: > 0 } closest)
        {
            return new Failure(cls, $"the remote has no such --ref; closest it has: {string.Join(", ", closest)}", detail);
        }
        return new Failure(cls, detail);
    }

    /// <summary>The class git's (or curl's, or ssh's) own words name; <see cref="FailureClass.Other"/> when none.</summary>
    public static FailureClass FromStderr(string stderr)
    {
        if (DiskFullText().IsMatch(stderr))
        {
            return FailureClass.DiskFull;
        }
        if (stderr.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", StringComparison.Ordinal)
            || stderr.Contains("has changed and you have requested strict checking", StringComparison.Ordinal))
        {
            return FailureClass.SshHostKeyChanged;
        }
        if (UnknownHostKey().IsMatch(stderr) || stderr.Contains("Host key verification failed", StringComparison.Ordinal))
        {
            return FailureClass.SshHostKeyUnknown;
        }
        if (KeyNotLoaded().IsMatch(stderr))
        {
            return FailureClass.SshKeyUnusable;
        }
        if (stderr.Contains("Permission denied (publickey", StringComparison.Ordinal))
        {
            return FailureClass.SshAuthRefused;
        }
        if (ProxyText().IsMatch(stderr))
        {
            return FailureClass.ProxyFailed;
        }
        if (NameResolution().IsMatch(stderr))
        {
            return FailureClass.NameResolutionFailed;
        }
        if (TlsText().IsMatch(stderr))
        {
            return FailureClass.TlsUntrusted;
        }
        if (HttpAuth().IsMatch(stderr))
        {
            return FailureClass.HttpAuthRefused;
        }
        if (ConnectionText().IsMatch(stderr))
        {
            return FailureClass.ConnectionFailed;
        }
        if (RepoMissing().IsMatch(stderr))
        {
            return FailureClass.RepoNotFound;
        }
        if (RefMissing().IsMatch(stderr))
        {
            return FailureClass.RefNotFound;
        }
        if (stderr.Contains("shallow", StringComparison.OrdinalIgnoreCase))
        {
            return FailureClass.ShallowFailed;
        }
        if (PermissionText().IsMatch(stderr))
        {
            return FailureClass.PermissionDenied;
        }
        return FailureClass.Other;
    }

    private static bool IsSubmoduleCommand(string command) => command.Contains(" submodule ", StringComparison.Ordinal);

    private static string SubmoduleHint(string stderr, FailureClass cause)
    {
        var match = FailedSubmodule().Match(stderr);
        if (!match.Success)
        {
            match = SubmodulePath().Match(stderr);
        }
        var which = match.Success ? $"submodule {match.Groups[1].Value} failed" : "a submodule failed";
        var why = cause == FailureClass.Other ? "" : $" ({cause.Name})";
        return $"{which}{why}: check its url in .gitmodules and the credentials for its host, or use --submodules=off";
    }

    /// <summary>The first configured key ssh can't use unattended, as a hint; null when all look usable.</summary>
    private string? UnusableKey()
    {
        foreach (var key in sshKeyFiles)
        {
            if (SshKeyFile.Problem(key) is { } problem)
            {
                return $"--ssh-key-file {key} can't be used: {problem}";
            }
        }
        return null;
    }

    private static string Truncate(string text) => text.Length > MaxDetail ? "..." + text[^MaxDetail..] : text;

    /// <summary>errno values .NET puts in an <see cref="IOException"/>'s HResult on Linux.</summary>
    private static class Errno
    {
        public const int EPERM = 1;
        public const int EACCES = 13;
        public const int ENOSPC = 28;
        public const int EROFS = 30;
        public const int EDQUOT = 122;
    }

    [GeneratedRegex(@"No space left on device|Disk quota exceeded", RegexOptions.IgnoreCase)]
    private static partial Regex DiskFullText();

    [GeneratedRegex(@"No \S+ host key is known for|Host key verification failed")]
    private static partial Regex UnknownHostKey();

    [GeneratedRegex(@"Load key ""[^""\n]*"": |Identity file .* not accessible")]
    private static partial Regex KeyNotLoaded();

    [GeneratedRegex(@"Could not resolve proxy|from proxy after CONNECT|Proxy CONNECT aborted|Unsupported proxy|proxy authentication|Failed to connect to .* port \d+ .*proxy|Could not connect to proxy", RegexOptions.IgnoreCase)]
    private static partial Regex ProxyText();

    [GeneratedRegex(@"Could not resolve host|Could not resolve hostname|Name or service not known|Temporary failure in name resolution|No address associated with hostname|unable to look up .* \(port")]
    private static partial Regex NameResolution();

    [GeneratedRegex(@"SSL certificate problem|server certificate verification failed|certificate verify failed|SSL: no alternative certificate subject name|SSL: certificate subject name|unable to get local issuer certificate|self.signed certificate", RegexOptions.IgnoreCase)]
    private static partial Regex TlsText();

    [GeneratedRegex(@"Authentication failed for|could not read (Username|Password) for|The requested URL returned error: 401|Invalid username or password|HTTP Basic: Access denied")]
    private static partial Regex HttpAuth();

    [GeneratedRegex(@"Failed to connect to|Couldn't connect to server|Connection refused|Connection timed out|Operation timed out|Connection reset|Network is unreachable|No route to host|unable to connect to|Connection closed by|Connection to .* closed|ssh: connect to host")]
    private static partial Regex ConnectionText();

    [GeneratedRegex(@"does not appear to be a git repository|repository '[^']*' not found|repository '[^']*' does not exist|Repository not found|The requested URL returned error: (403|404)")]
    private static partial Regex RepoMissing();

    [GeneratedRegex(@"couldn't find remote ref|no such ref was fetched|not our ref|Server does not allow request for unadvertised object|unknown revision or path|invalid refspec")]
    private static partial Regex RefMissing();

    [GeneratedRegex(@"Permission denied|Read-only file system|Operation not permitted|insufficient permission", RegexOptions.IgnoreCase)]
    private static partial Regex PermissionText();

    [GeneratedRegex(@"Failed to clone '([^'\n]+)'")]
    private static partial Regex FailedSubmodule();

    [GeneratedRegex(@"submodule path '([^'\n]+)'")]
    private static partial Regex SubmodulePath();
}
