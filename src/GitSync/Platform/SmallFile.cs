using System.Text;

namespace GitSync.Platform;

/// <summary>
/// Reads files of a few bytes (a worktree's <c>.git</c> file, its <c>HEAD</c>) without the
/// stream and reader buffers <see cref="File.ReadAllText(string)"/> allocates: those run on every
/// poll, and 16 KB of garbage per poll is most of what the managed heap churns through in steady
/// state.
/// </summary>
internal static class SmallFile
{
    private const int StackLimit = 1024;

    /// <summary>The file's text (UTF-8); files over 1 KB take the ordinary path.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
    public static string ReadText(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> buffer = stackalloc byte[StackLimit];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer[length..], length);
            if (read == 0)
            {
                return Encoding.UTF8.GetString(buffer[..length]);
            }
            length += read;
        }
        return File.ReadAllText(path);
    }
}
