namespace GitSync.Platform;

/// <summary>Byte-for-byte comparison of two files, so a copy rewrites only what differs.</summary>
internal static class FileContent
{
    public static bool Same(string a, string b)
    {
        using var x = new FileStream(a, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 0);
        using var y = new FileStream(b, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 0);
        var bufferA = new byte[64 * 1024];
        var bufferB = new byte[64 * 1024];
        while (true)
        {
            var n = x.ReadAtLeast(bufferA, bufferA.Length, throwOnEndOfStream: false);
            var m = y.ReadAtLeast(bufferB, bufferB.Length, throwOnEndOfStream: false);
            if (n != m || !bufferA.AsSpan(0, n).SequenceEqual(bufferB.AsSpan(0, m)))
            {
                return false;
            }
            if (n < bufferA.Length)
            {
                return true;
            }
        }
    }
}
