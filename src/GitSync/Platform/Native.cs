using System.Runtime.InteropServices;

namespace GitSync.Platform;

/// <summary>The few libc calls .NET has no managed equivalent for.</summary>
internal static partial class Native
{
    private const int AtFdCwd = -100;
    private const uint RenameExchange = 2;

    public const int SigKill = 9;
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameSys(string oldPath, string newPath);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2Sys(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillSys(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "getuid")]
    public static partial uint GetUid();

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "getpwuid")]
    private static partial IntPtr GetPwUidSys(uint uid);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenSys(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirSys(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseSys(int fd);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int FlockSys(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxSys(int dirFd, string path, int flags, uint mask, Span<byte> buffer);

    [LibraryImport("libc", EntryPoint = "getgid")]
    public static partial uint GetGid();

    [LibraryImport("libc", EntryPoint = "umask")]
    public static partial uint Umask(uint mask);

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr RealPathSys(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr ptr);

    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UtimensatSys(int dirFd, string path, IntPtr times, int flags);

    [LibraryImport("libc", EntryPoint = "signal", SetLastError = true)]
    private static partial IntPtr SignalSys(int signal, IntPtr handler);

    [LibraryImport("libc", EntryPoint = "sigaction", SetLastError = true)]
    private static partial int SigactionSys(int signal, IntPtr action, IntPtr oldAction);

    private const int AtSymlinkNoFollow = 0x100;
    private static readonly IntPtr SigDfl = IntPtr.Zero;
    private static readonly IntPtr SigIgn = 1;
    private static readonly IntPtr SigErr = -1;

    /// <summary>utimensat(AT_SYMLINK_NOFOLLOW) with both times now: touches a symlink itself, never its target.</summary>
    public static void TouchNoFollow(string path)
    {
        if (UtimensatSys(AtFdCwd, path, IntPtr.Zero, AtSymlinkNoFollow) != 0)
        {
            throw new IOException($"can't set the modification time of {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    /// <summary>
    /// Gives back a signal that git-sync inherited as ignored (nohup, some init wrappers) to its
    /// default disposition, so that a handler registered afterwards receives it. .NET keeps an
    /// inherited SIG_IGN and never calls the handler; Go's signal.Notify, which upstream uses,
    /// re-enables the signal. Returns whether it had been ignored.
    /// </summary>
    public static unsafe bool UnignoreSignal(int signal)
    {
        // struct sigaction starts with the handler on every Linux ABI; 256 bytes hold all of it.
        // Only read here: a handler already installed (.NET's own) must not be touched.
        var current = stackalloc byte[256];
        if (SigactionSys(signal, IntPtr.Zero, (IntPtr)current) != 0 || *(IntPtr*)current != SigIgn)
        {
            return false;
        }
        return SignalSys(signal, SigDfl) != SigErr;
    }

    /// <summary>realpath(3): absolute, symlink-free path of an existing file or directory.</summary>
    public static string RealPath(string path)
    {
        var p = RealPathSys(path, IntPtr.Zero);
        if (p == IntPtr.Zero)
        {
            throw new IOException($"realpath {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        try
        {
            return Marshal.PtrToStringUTF8(p) ?? path;
        }
        finally
        {
            Free(p);
        }
    }


    /// <summary>rename(2): atomically replaces <paramref name="newPath"/>, even a symlink to a directory.</summary>
    public static void Rename(string oldPath, string newPath)
    {
        if (RenameSys(oldPath, newPath) != 0)
        {
            throw new IOException($"rename {oldPath} -> {newPath}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    /// <summary>renameat2(RENAME_EXCHANGE): swaps two paths atomically.</summary>
    public static void Exchange(string a, string b)
    {
        if (RenameAt2Sys(AtFdCwd, a, AtFdCwd, b, RenameExchange) != 0)
        {
            throw new IOException($"exchange {a} <-> {b}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    /// <summary>kill(2); a negative pid signals the whole process group.</summary>
    public static bool Kill(int pid, int signal) => KillSys(pid, signal) == 0;

    /// <summary>
    /// Whether a process with this pid exists in our PID namespace (kill(pid, 0) is not ESRCH).
    /// A pid seen from another namespace, or reused, can't be judged by this alone.
    /// </summary>
    public static bool ProcessExists(int pid)
    {
        const int Esrch = 3;
        return KillSys(pid, 0) == 0 || Marshal.GetLastPInvokeError() != Esrch;
    }

    /// <summary>Whether the user database (files, LDAP, whatever NSS is set up with) knows this UID.</summary>
    public static bool HasPasswdEntry(uint uid) => GetPwUidSys(uid) != IntPtr.Zero;

    /// <summary>
    /// Opens (creating it, mode 0600, never through a symlink) and takes an exclusive
    /// <c>flock</c> on <paramref name="path"/> without waiting. Returns the descriptor, or -1
    /// when another open file holds the lock. The lock lives as long as the descriptor: the
    /// kernel drops it when the process dies, however it dies, and in any PID namespace.
    /// </summary>
    /// <exception cref="IOException">The file can't be opened.</exception>
    public static int TryLockFile(string path, bool create)
    {
        const int ORdWr = 0x2, OCreat = 0x40, OCloExec = 0x80000;
        const int LockEx = 2, LockNb = 4;
        // O_NOFOLLOW is one of the few flags whose value differs between architectures.
        var noFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;
        var fd = OpenSys(path, ORdWr | noFollow | OCloExec | (create ? OCreat : 0), 0x180);
        if (fd < 0)
        {
            throw new IOException($"open {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        if (FlockSys(fd, LockEx | LockNb) != 0)
        {
            CloseSys(fd);
            return -1;
        }
        return fd;
    }

    /// <summary>mkdir(2): false when the path exists already (never reuses what someone else made).</summary>
    /// <exception cref="IOException">Any other failure.</exception>
    public static bool MakeDirectory(string path, uint mode)
    {
        const int Eexist = 17;
        if (MkdirSys(path, mode) == 0)
        {
            return true;
        }
        if (Marshal.GetLastPInvokeError() == Eexist)
        {
            return false;
        }
        throw new IOException($"mkdir {path}: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    /// <summary>close(2): for descriptors from <see cref="TryLockFile"/>; closing drops the lock.</summary>
    public static void Close(int fd) => CloseSys(fd);

    /// <summary>
    /// The owner UID of <paramref name="path"/> itself (a symlink is not followed), or null when
    /// it can't be read. statx(2) has one layout on every architecture (stx_uid at byte 20).
    /// </summary>
    public static uint? OwnerUid(string path)
    {
        const int AtSymlinkNoFollow = 0x100;
        const uint StatxUid = 0x8;
        Span<byte> buffer = stackalloc byte[256];
        if (StatxSys(AtFdCwd, path, AtSymlinkNoFollow, StatxUid, buffer) != 0)
        {
            return null;
        }
        var mask = BitConverter.ToUInt32(buffer[..4]);
        return (mask & StatxUid) == 0 ? null : BitConverter.ToUInt32(buffer[20..24]);
    }
}
