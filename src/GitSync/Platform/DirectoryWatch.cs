using System.Runtime.InteropServices;

namespace GitSync.Platform;

/// <summary>
/// Notices any change below a set of directories from the moment each is added, through
/// inotify: a file written, truncated, created, deleted, renamed, chmod-ed or touched, a
/// directory made or removed. It only answers "has anything changed since?"; which change
/// does not matter, so events are never parsed. A queue overflow counts as a change.
/// <para>
/// Not seen, by the nature of inotify: writes through a shared writable memory map, and writes
/// through a hard link that lives in an unwatched directory. Callers must treat a quiet watch as
/// "nothing changed through these directories", not as proof against every writer.
/// </para>
/// </summary>
internal sealed partial class DirectoryWatch : IDisposable
{
    private const int InNonBlock = 0x800;
    private const int InCloExec = 0x80000;
    private const int EAgain = 11;

    // IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE
    // | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF, on directories only, never through a symlink.
    private const uint Changes = 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800;
    private const uint OnlyDir = 0x01000000;
    private const uint DontFollow = 0x02000000;

    private int _fd;
    private bool _changed;
    private int _count;

    private DirectoryWatch(int fd) => _fd = fd;

    /// <summary>How many directories are watched.</summary>
    public int Count => _count;

    /// <summary>
    /// Watches <paramref name="root"/> and every directory below it (symlinks are not followed),
    /// or returns null when that is not possible: no inotify, a per-user limit reached, an
    /// unreadable directory, or more than <paramref name="maxDirectories"/> of them.
    /// </summary>
    public static DirectoryWatch? TryWatchTree(string root, int maxDirectories)
    {
        var fd = InotifyInit1(InNonBlock | InCloExec);
        if (fd < 0)
        {
            return null;
        }
        var watch = new DirectoryWatch(fd);
        try
        {
            if (!watch.TryAdd(root))
            {
                watch.Dispose();
                return null;
            }
            var walk = new EnumerationOptions
            {
                RecurseSubdirectories = true,
                IgnoreInaccessible = false,
                AttributesToSkip = FileAttributes.ReparsePoint,
                ReturnSpecialDirectories = false,
            };
            foreach (var dir in Directory.EnumerateDirectories(root, "*", walk))
            {
                if (watch._count >= maxDirectories || !watch.TryAdd(dir))
                {
                    watch.Dispose();
                    return null;
                }
            }
            return watch;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            watch.Dispose();
            return null;
        }
    }

    /// <summary>Adds one more directory (not its subdirectories); false if it can't be watched.</summary>
    public bool TryAdd(string directory)
    {
        if (InotifyAddWatch(_fd, directory, Changes | OnlyDir | DontFollow) < 0)
        {
            return false;
        }
        _count++;
        return true;
    }

    /// <summary>True while nothing has changed in a watched directory since it was added.</summary>
    public bool IsQuiet()
    {
        if (_changed || _fd < 0)
        {
            return false;
        }
        Span<byte> buffer = stackalloc byte[4096];
        while (true)
        {
            var n = ReadSys(_fd, buffer, (nint)buffer.Length);
            if (n > 0)
            {
                // Any event at all; keep reading only to empty the queue.
                _changed = true;
                continue;
            }
            if (n < 0 && Marshal.GetLastPInvokeError() != EAgain)
            {
                // Can't tell any more: say "changed", the safe answer.
                _changed = true;
            }
            return !_changed;
        }
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            Native.Close(_fd);
            _fd = -1;
        }
    }

    [LibraryImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    private static partial int InotifyInit1(int flags);

    [LibraryImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int InotifyAddWatch(int fd, string path, uint mask);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadSys(int fd, Span<byte> buffer, nint count);
}
