namespace GitSync.Platform;

/// <summary>File-system operations with the semantics git-sync needs.</summary>
internal static class Filesystem
{
    /// <summary>rm -rf: removes a file, a symlink (not what it points to) or a directory tree; absent is fine.</summary>
    public static void RemoveAll(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || info.Exists)
        {
            info.Delete();
            return;
        }
        if (!Directory.Exists(path))
        {
            return;
        }
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (UnauthorizedAccessException)
        {
            // Read-only directories (e.g. Go module caches in a repo) need their write bit back.
            foreach (var dir in Directory.EnumerateDirectories(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                // chmod follows symlinks: a link in the tree (repository content) to a directory
                // elsewhere must not have that directory's mode changed.
                if (new DirectoryInfo(dir).LinkTarget is null)
                {
                    File.SetUnixFileMode(dir, File.GetUnixFileMode(dir) | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.UserRead);
                }
            }
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.UserRead);
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>
    /// mkdir -p, failing with one sentence that names the directory and <paramref name="what"/>
    /// it is for (e.g. "the --root directory").
    /// </summary>
    public static void CreateDirectory(string path, string what)
    {
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException(IoErrors.Describe("create " + what, path, e), e);
        }
    }

    /// <summary>
    /// Creates the file, or sets its modification time to now, creating parent directories.
    /// Never follows a symlink at <paramref name="path"/>: the file may sit in the shared
    /// <c>--root</c>, where a consumer could plant a link to somewhere git-sync may write.
    /// </summary>
    public static void Touch(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            // O_CREAT|O_EXCL: fails on anything already there, a symlink included. 0666 less the
            // umask, like any created file (group-writable with --group-write).
            using var created = CreateExclusive(path, (UnixFileMode)0x1B6);
            return;
        }
        catch (IOException) when (Exists(path))
        {
            // Already there: only its times change, and on a symlink, the link's own.
        }
        Native.TouchNoFollow(path);
    }

    /// <summary>
    /// Writes a file atomically: a temp file with an unpredictable name in the same directory,
    /// created exclusively (so a file or symlink planted there in advance is never opened,
    /// let alone followed), its mode set through the open handle, then renamed over
    /// <paramref name="path"/> (which replaces a symlink there rather than writing through it).
    /// </summary>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> content)
    {
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, "." + Path.GetFileName(path) + ".tmp-" + RandomSuffix());
        try
        {
            // FileMode.CreateNew is open(O_CREAT|O_EXCL), which never follows a symlink at the
            // last component (POSIX: it fails with EEXIST), so O_NOFOLLOW would add nothing.
            using (var file = CreateExclusive(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite))
            {
                // fchmod on the handle: the mode is set on this file and nothing else, whatever
                // happens to the name meanwhile (and the umask does not apply).
                File.SetUnixFileMode(file.SafeFileHandle, PublicReadable);
                file.Write(content);
            }
            Native.Rename(temp, path);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>open(O_CREAT|O_EXCL|O_WRONLY, mode): a new file or an IOException, never an existing one.</summary>
    private static FileStream CreateExclusive(string path, UnixFileMode mode) => new(path, new FileStreamOptions
    {
        Mode = FileMode.CreateNew,
        Access = FileAccess.Write,
        Share = FileShare.None,
        UnixCreateMode = mode,
        BufferSize = 0,
    });

    /// <summary>Whether anything (a file, a directory, a symlink even if dangling) is at <paramref name="path"/>.</summary>
    public static bool Exists(string path)
    {
        var info = new FileInfo(path);
        return info.Exists || info.LinkTarget is not null || Directory.Exists(path);
    }

    /// <summary>
    /// A name part nobody can guess ahead of time: a version-4 GUID, 122 bits from the kernel's
    /// CSPRNG (getrandom). Not RandomNumberGenerator: on Linux that loads OpenSSL (libssl and
    /// libcrypto, ~3.5 MB of resident pages) into a process that otherwise never needs it.
    /// </summary>
    public static string RandomSuffix() => Guid.NewGuid().ToString("N");

    private const UnixFileMode PublicReadable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort; a leftover temp file harms nothing.
        }
    }
}
