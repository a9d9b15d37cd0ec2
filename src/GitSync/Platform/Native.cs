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
