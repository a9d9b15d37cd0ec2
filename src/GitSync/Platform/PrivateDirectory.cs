using System.Globalization;

namespace GitSync.Platform;

/// <summary>
/// git-sync's private 0700 directory for transient files that must not be in the volume
/// consumers read: the git config every child reads, the credential-cache and SSH connection
/// sockets, GnuPG homes, the passwd file nss_wrapper serves. It is made in the first place
/// that can be written — <c>$TMPDIR</c> (default <c>/tmp</c>), then <c>/dev/shm</c> (memory,
/// writable in pods even with a read-only root filesystem), then <c>&lt;root&gt;/.git-sync</c>
/// — and removed at exit.
/// </summary>
/// <remarks>
/// A process killed with SIGKILL can't remove its directory, so each one holds an exclusive
/// <c>flock</c> on its <c>lock</c> file for its whole life, and every start-up removes the
/// directories of ours (same owner, our name pattern) whose lock is free: the kernel frees it
/// when the holder dies, so neither a reused pid nor a pid from another PID namespace (pods
/// share <c>/dev/shm</c> and emptyDirs) is mistaken for the owner.
/// </remarks>
internal sealed class PrivateDirectory : IDisposable
{
    /// <summary>The directory under <c>--root</c> used when no other place is writable.</summary>
    public const string RootFallbackName = ".git-sync";

    private const string Prefix = "git-sync-";
    private const string LockName = "lock";
    private const uint OwnerOnly = 0x1C0; // 0700

    /// <summary>How old a directory must be before an unlocked one counts as abandoned (covers the moment between mkdir and flock).</summary>
    private static readonly TimeSpan CreationGrace = TimeSpan.FromMinutes(1);

    private int _lockFd;

    private PrivateDirectory(string path, int lockFd, Placement placement, IReadOnlyList<string> unusable, int staleRemoved)
    {
        Path = path;
        _lockFd = lockFd;
        Placement = placement;
        Unusable = unusable;
        StaleRemoved = staleRemoved;
    }

    public string Path { get; }

    /// <summary>Which of the candidate places holds it.</summary>
    public Placement Placement { get; }

    /// <summary>Candidate places passed over, each with the reason (for the log).</summary>
    public IReadOnlyList<string> Unusable { get; }

    /// <summary>How many directories of dead git-sync processes were removed at start-up.</summary>
    public int StaleRemoved { get; }

    /// <summary>Makes the directory; removes abandoned ones in every candidate place first.</summary>
    /// <exception cref="IOException">No candidate place is writable (the message lists why for each).</exception>
    public static PrivateDirectory Create(string root)
    {
        var candidates = Candidates(root);
        var removed = 0;
        foreach (var (dir, _) in candidates)
        {
            removed += RemoveAbandoned(dir);
        }
        var unusable = new List<string>();
        foreach (var (dir, placement) in candidates)
        {
            try
            {
                if (placement == Placement.Root)
                {
                    System.IO.Directory.CreateDirectory(root);
                    Native.MakeDirectory(dir, OwnerOnly);
                    // Ours, not a symlink someone planted: it's inside the volume consumers share.
                    if (Native.OwnerUid(dir) != Native.GetEuid() || new DirectoryInfo(dir).LinkTarget is not null)
                    {
                        throw new IOException($"{dir} is not a directory owned by this user");
                    }
                }
                var (path, fd) = MakeOwn(dir);
                return new PrivateDirectory(path, fd, placement, unusable, removed);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unusable.Add($"{dir}: {e.Message}");
            }
        }
        // Said in full because the usual cause is a pod with a read-only root filesystem and no
        // volume at /tmp: the fix is a mount, and the user needs to know which and why.
        throw new IOException("no writable place for git-sync's private directory, which holds the git config, credential and SSH sockets "
            + "and GnuPG homes every git command uses (not the synced files): mount a writable volume at /tmp (an emptyDir, medium: Memory) "
            + "or /dev/shm, or set $TMPDIR to a writable directory; tried " + string.Join("; ", unusable));
    }

    private static List<(string Dir, Placement Placement)> Candidates(string root)
    {
        var list = new List<(string, Placement)>();
        var tmp = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetTempPath());
        list.Add((tmp.Length == 0 ? "/" : tmp, Placement.TempDir));
        if (tmp != "/dev/shm")
        {
            list.Add(("/dev/shm", Placement.SharedMemory));
        }
        list.Add((System.IO.Path.Combine(root, RootFallbackName), Placement.Root));
        return list;
    }

    private static (string Path, int LockFd) MakeOwn(string parent)
    {
        if (!System.IO.Directory.Exists(parent))
        {
            throw new DirectoryNotFoundException("no such directory");
        }
        for (var attempt = 0; ; attempt++)
        {
            // Short: SSH control sockets live here and a socket path can't exceed 107 bytes.
            var name = string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Environment.ProcessId}-{Random.Shared.Next():x8}");
            var path = System.IO.Path.Combine(parent, name);
            if (!Native.MakeDirectory(path, OwnerOnly))
            {
                if (attempt < 10)
                {
                    continue;
                }
                throw new IOException($"can't make a new directory in {parent}");
            }
            try
            {
                var fd = Native.TryLockFile(System.IO.Path.Combine(path, LockName), create: true);
                if (fd < 0)
                {
                    throw new IOException($"{path}/{LockName} is locked by another process");
                }
                return (path, fd);
            }
            catch
            {
                TryRemove(path);
                throw;
            }
        }
    }

    /// <summary>Removes the directories of dead git-sync processes of this user in <paramref name="parent"/>; returns how many.</summary>
    internal static int RemoveAbandoned(string parent)
    {
        IEnumerable<string> entries;
        try
        {
            if (!System.IO.Directory.Exists(parent))
            {
                return 0;
            }
            entries = System.IO.Directory.EnumerateDirectories(parent, Prefix + "*").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        var euid = Native.GetEuid();
        var removed = 0;
        foreach (var dir in entries)
        {
            if (ParsePid(System.IO.Path.GetFileName(dir)) is not int pid)
            {
                continue;
            }
            try
            {
                // Another user's directory is never ours to judge, even for root.
                if (Native.OwnerUid(dir) != euid || new DirectoryInfo(dir).LinkTarget is not null)
                {
                    continue;
                }
                if (DateTime.UtcNow - System.IO.Directory.GetLastWriteTimeUtc(dir) < CreationGrace)
                {
                    continue;
                }
                var lockFile = System.IO.Path.Combine(dir, LockName);
                if (File.Exists(lockFile))
                {
                    var fd = Native.TryLockFile(lockFile, create: false);
                    if (fd < 0)
                    {
                        continue; // its owner is alive
                    }
                    try
                    {
                        Filesystem.RemoveAll(dir);
                    }
                    finally
                    {
                        Native.Close(fd);
                    }
                }
                else
                {
                    // Made by a version without the lock (or killed before it was taken): judge
                    // by the pid, which is only safe to call dead when it does not exist here.
                    if (pid == Environment.ProcessId || Native.ProcessExists(pid))
                    {
                        continue;
                    }
                    Filesystem.RemoveAll(dir);
                }
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Someone else is removing it, or it is not ours after all: leave it.
            }
        }
        return removed;
    }

    /// <summary>The pid in <c>git-sync-&lt;pid&gt;-&lt;hex&gt;</c>, or null for any other name.</summary>
    internal static int? ParsePid(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var rest = name[Prefix.Length..];
        var dash = rest.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || dash == rest.Length - 1 || !rest[(dash + 1)..].All(char.IsAsciiHexDigit))
        {
            return null;
        }
        return int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
    }

    private static void TryRemove(string path)
    {
        try
        {
            Filesystem.RemoveAll(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The next start-up's clean-up takes it.
        }
    }

    public void Dispose()
    {
        if (_lockFd < 0)
        {
            return;
        }
        TryRemove(Path);
        // Last: while the lock is held, no other start-up touches the directory.
        Native.Close(_lockFd);
        _lockFd = -1;
    }
}

/// <summary>Where the private directory was made.</summary>
internal enum Placement
{
    /// <summary><c>$TMPDIR</c> or <c>/tmp</c>.</summary>
    TempDir,

    /// <summary><c>/dev/shm</c>: <c>$TMPDIR</c> was not writable.</summary>
    SharedMemory,

    /// <summary><c>&lt;root&gt;/.git-sync</c>: neither was writable.</summary>
    Root,
}
