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
}
