using System.Runtime.InteropServices;

namespace GitSync.Platform;

/// <summary>What is at a path, as lstat(2) sees it: a symlink is never followed.</summary>
internal enum EntryKind
{
    Missing,
    File,
    Symlink,
    Directory,
    /// <summary>A device, FIFO or socket: nothing git checks out.</summary>
    Other,
}

/// <summary>The type, permission bits and size of one path, without following a symlink there.</summary>
internal readonly record struct FileStatus(EntryKind Kind, UnixFileMode Mode, long Size)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1, StatxMode = 0x2, StatxSize = 0x200;
    private const int Enoent = 2, Enotdir = 20;

    public static readonly FileStatus Missing = new(EntryKind.Missing, 0, 0);

    /// <summary>
    /// statx(2) with AT_SYMLINK_NOFOLLOW. A path that does not exist, or one with a
    /// non-directory among its parents, is <see cref="EntryKind.Missing"/>.
    /// </summary>
    /// <exception cref="IOException">Any other failure (permissions, I/O).</exception>
    public static FileStatus Of(string path)
    {
        // statx has one layout on every architecture: stx_mode is a u16 at byte 28, stx_size a
        // u64 at byte 40.
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType | StatxMode | StatxSize, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is Enoent or Enotdir)
            {
                return Missing;
            }
            throw new IOException($"stat {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        var mode = BitConverter.ToUInt16(buffer[28..30]);
        var size = BitConverter.ToInt64(buffer[40..48]);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => EntryKind.File,
            0xA000 => EntryKind.Symlink,
            0x4000 => EntryKind.Directory,
            _ => EntryKind.Other,
        };
        return new FileStatus(kind, (UnixFileMode)(mode & 0xFFF), size);
    }

    /// <summary>statx(2) for <see cref="FileStatus"/>; kept here so the struct owns its layout.</summary>
    private static int Statx(int dirFd, string path, int flags, uint mask, Span<byte> buffer) => StatxCall.Statx(dirFd, path, flags, mask, buffer);
}

internal static partial class StatxCall
{
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Statx(int dirFd, string path, int flags, uint mask, Span<byte> buffer);
}
