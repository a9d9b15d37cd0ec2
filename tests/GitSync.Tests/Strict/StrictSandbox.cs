using System.Diagnostics;
using GitSync.Tests.Infrastructure;

namespace GitSync.Tests.Strict;

/// <summary>
/// Runs git-sync the way a pod under the restricted Pod Security profile does, without a
/// container runtime: in a private mount namespace where <c>/</c> (and so <c>/tmp</c>) is
/// read-only and only the root directory is writable (a bind mount, like the volume), as
/// UID 1000680000 with GID 0 and no supplementary groups (OpenShift's arbitrary UID: no passwd
/// entry), with every capability dropped and no_new_privs set. <c>/dev/shm</c> stays
/// writable, as in a pod, unless <c>readOnlySharedMemory</c> asks otherwise.
/// </summary>
/// <remarks>
/// Files the process must read are made readable the way a pod gets them: world-readable
/// directories, secrets owned by root with group 0 read (an fsGroup-style mount), the root
/// directory owned by the UID.
/// </remarks>
public static class StrictSandbox
{
    public const int Uid = 1000680000;
    public const int Gid = 0;

    /// <summary>The command prefix for <see cref="GitSyncProcess.Start"/>.</summary>
    /// <param name="passwd">A file bind-mounted over /etc/passwd (writable, like an image whose /etc/passwd is group-writable for --add-user).</param>
    public static IReadOnlyList<string> Launcher(string root, bool readOnlySharedMemory = false, string? passwd = null)
    {
        string quotedRoot = Quote(root);
        string script = $"""
            set -e
            mount --bind {quotedRoot} {quotedRoot}
            {(passwd is null ? ":" : $"mount --bind {Quote(passwd)} /etc/passwd")}
            mount -o remount,bind,ro /
            {(readOnlySharedMemory ? "mount -o remount,bind,ro /dev/shm" : ":")}
            exec setpriv --reuid={Uid} --regid={Gid} --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs "$@"
            """;
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "strict-sandbox"];
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>The environment a pod without a passwd entry has: HOME=/ and no TMPDIR.</summary>
    public static Dictionary<string, string?> Environment(params (string Key, string? Value)[] extra)
    {
        var env = new Dictionary<string, string?> { ["HOME"] = "/", ["TMPDIR"] = null };
        foreach ((string key, string? value) in extra)
        {
            env[key] = value;
        }

        return env;
    }

    /// <summary>Makes <paramref name="dir"/> and its parent traversable and readable by anyone.</summary>
    public static void Readable(string dir)
    {
        foreach (string d in new[] { Path.GetDirectoryName(dir)!, dir })
        {
            File.SetUnixFileMode(d, File.GetUnixFileMode(d) | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
    }

    /// <summary>A fresh root directory inside <paramref name="parent"/>, owned by the sandbox UID (the writable volume).</summary>
    public static string Root(TempDir parent)
    {
        Readable(parent.Path);
        string root = parent.Combine("root");
        Directory.CreateDirectory(root);
        Run("chown", $"{Uid}:{Gid}", root);
        return root;
    }

    /// <summary>A copy of a secret file the UID can read through its group (root:0, mode 0640), as a Secret volume with fsGroup.</summary>
    public static string Secret(TempDir dir, string source, string name)
    {
        Readable(dir.Path);
        string path = dir.Combine(name);
        File.Copy(source, path, overwrite: true);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        return path;
    }

    /// <summary>Every regular file under <paramref name="root"/> whose bytes contain <paramref name="secret"/>.</summary>
    public static IReadOnlyList<string> FilesContaining(string root, string secret)
    {
        byte[] needle = System.Text.Encoding.UTF8.GetBytes(secret);
        var found = new List<string>();
        foreach (string file in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            if (new FileInfo(file).LinkTarget is not null)
            {
                continue;
            }

            try
            {
                if (File.ReadAllBytes(file).AsSpan().IndexOf(needle) >= 0)
                {
                    found.Add(file);
                }
            }
            catch (IOException)
            {
                // A socket or FIFO: nothing stored in it.
            }
        }

        return found;
    }

    private static void Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardError = true };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)}: {err}");
        }
    }
}
