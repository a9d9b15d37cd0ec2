using System.Globalization;

namespace GitSync.Platform;

/// <summary>
/// A passwd entry for the UID git-sync runs as. OpenSSH's client and ssh-keygen refuse to run
/// for a UID the user database does not know (<c>No user exists for uid …</c>), which is what
/// Kubernetes gives a container run as an arbitrary UID (OpenShift) or as 65533 in an image
/// that lacks it.
/// </summary>
internal static class Users
{
    /// <summary>--add-user, as upstream: append an entry to /etc/passwd (needs it writable).</summary>
    public static string? EnsurePasswdEntry(string passwdPath = "/etc/passwd")
    {
        var uid = Native.GetUid();
        var gid = Native.GetGid();
        var lines = File.Exists(passwdPath) ? File.ReadAllLines(passwdPath) : [];
        foreach (var line in lines)
        {
            var fields = line.Split(':');
            if (fields.Length > 2 && fields[2] == uid.ToString(CultureInfo.InvariantCulture))
            {
                return null;
            }
        }
        var home = Environment.GetEnvironmentVariable("HOME") ?? "/tmp";
        var entry = $"git-sync:x:{uid}:{gid}::{home}:/sbin/nologin\n";
        File.AppendAllText(passwdPath, entry);
        return entry.TrimEnd();
    }

    /// <summary>True when the user database knows the UID we run as.</summary>
    public static bool HasPasswdEntry() => Native.HasPasswdEntry(Native.GetUid());

    /// <summary>
    /// The environment that gives children an entry for our UID without writing to /etc:
    /// nss_wrapper (Debian's <c>libnss-wrapper</c>) preloaded, serving a copy of /etc/passwd and
    /// /etc/group plus our entry from <paramref name="directory"/>. Null when the library is not
    /// installed. The home is <paramref name="home"/> (ssh reads <c>~/.ssh/config</c> there), or
    /// the directory itself.
    /// </summary>
    public static Dictionary<string, string>? NssWrapperEnvironment(string directory, string? home)
    {
        if (FindNssWrapper() is not { } library)
        {
            return null;
        }
        var uid = Native.GetUid().ToString(CultureInfo.InvariantCulture);
        var gid = Native.GetGid().ToString(CultureInfo.InvariantCulture);
        home = string.IsNullOrEmpty(home) || !Path.IsPathRooted(home) || home.Contains(':', StringComparison.Ordinal) || home.Contains('\n', StringComparison.Ordinal)
            ? directory : home;

        // nss_wrapper answers only from its files, so they start as copies of the real ones
        // (other users and groups keep resolving).
        var passwd = ReadLines("/etc/passwd");
        passwd.Add($"git-sync:x:{uid}:{gid}:git-sync:{home}:/sbin/nologin");
        var group = ReadLines("/etc/group");
        if (!group.Any(line => line.Split(':') is { Length: > 2 } f && f[2] == gid))
        {
            group.Add($"git-sync:x:{gid}:");
        }
        var passwdFile = Path.Combine(directory, "passwd");
        var groupFile = Path.Combine(directory, "group");
        File.WriteAllLines(passwdFile, passwd);
        File.WriteAllLines(groupFile, group);

        var preload = Environment.GetEnvironmentVariable("LD_PRELOAD");
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["LD_PRELOAD"] = string.IsNullOrEmpty(preload) ? library : library + ":" + preload,
            ["NSS_WRAPPER_PASSWD"] = passwdFile,
            ["NSS_WRAPPER_GROUP"] = groupFile,
        };
    }

    private static List<string> ReadLines(string path)
    {
        try
        {
            return [.. File.ReadAllLines(path).Where(l => l.Length > 0 && !l.StartsWith('#'))];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string? FindNssWrapper()
    {
        // Debian keeps it in the multiarch directory of the process's own architecture.
        var triplet = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "x86_64-linux-gnu",
            System.Runtime.InteropServices.Architecture.Arm64 => "aarch64-linux-gnu",
            System.Runtime.InteropServices.Architecture.Arm => "arm-linux-gnueabihf",
            _ => "unknown",
        };
        string[] places = [$"/usr/lib/{triplet}/libnss_wrapper.so", "/usr/lib64/libnss_wrapper.so", "/usr/lib/libnss_wrapper.so", "/usr/local/lib/libnss_wrapper.so"];
        return places.FirstOrDefault(File.Exists);
    }
}
