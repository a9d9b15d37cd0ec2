using System.Globalization;

namespace GitSync.Cli;

/// <summary>
/// What <c>--check</c> warns about: settings that start fine on a laptop but fail in a pod
/// under the <em>restricted</em> Pod Security profile — read-only root filesystem, any UID,
/// every capability dropped — where only mounted volumes (the <c>--root</c> volume, typically)
/// can be written. git-sync itself needs nothing more than <c>--root</c>: its private directory
/// falls back to /dev/shm or the root, and ssh gets a passwd entry through nss_wrapper.
/// </summary>
internal static class RestrictedProfile
{
    public static IEnumerable<string> Warnings(GitSyncOptions options)
    {
        if (options.AddUser)
        {
            yield return "--add-user writes /etc/passwd, which a read-only root filesystem (readOnlyRootFilesystem: true) refuses; "
                + "it is not needed there: for a UID without a passwd entry git-sync gives ssh one through nss_wrapper";
        }
        var linkDir = Path.GetDirectoryName(options.Sync.Link);
        if (linkDir is not null && !IsUnder(linkDir, options.Sync.Root))
        {
            yield return $"--link {options.Sync.Link} is outside --root: under a read-only root filesystem {linkDir} must be a writable volume";
        }
        foreach (var (flag, path) in new[] { ("--touch-file", options.Loop.TouchFile), ("--error-file", options.Loop.ErrorFile) })
        {
            if (path is not null && !IsUnder(path, options.Sync.Root))
            {
                yield return $"{flag} {path} is outside --root: under a read-only root filesystem its directory must be a writable volume";
            }
        }
        if (options.Http.Bind is { } bind && Port(bind) is int port and > 0 and < 1024)
        {
            yield return $"--http-bind {bind} uses port {port}: a port below 1024 needs CAP_NET_BIND_SERVICE, which the restricted profile drops "
                + "(unless the runtime lowers net.ipv4.ip_unprivileged_port_start); use a port of 1024 or more";
        }
    }

    private static bool IsUnder(string path, string root)
    {
        var r = Path.TrimEndingDirectorySeparator(root);
        return path == r || path.StartsWith(r + "/", StringComparison.Ordinal);
    }

    private static int? Port(string bind)
    {
        var colon = bind.LastIndexOf(':');
        return colon >= 0 && int.TryParse(bind.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null;
    }
}
