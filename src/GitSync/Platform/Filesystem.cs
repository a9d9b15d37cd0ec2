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
                File.SetUnixFileMode(dir, File.GetUnixFileMode(dir) | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.UserRead);
            }
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.UserRead);
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>Creates or updates a file's modification time, creating parent directories.</summary>
    public static void Touch(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path))
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
        else
        {
            using var _ = File.Create(path);
        }
    }

    /// <summary>Writes a file atomically: temp file in the same directory, then rename.</summary>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> content)
    {
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, "." + Path.GetFileName(path) + ".tmp-" + Environment.ProcessId);
        File.WriteAllBytes(temp, content.ToArray());
        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Native.Rename(temp, path);
    }
}
