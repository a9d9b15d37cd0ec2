using System.Buffers.Binary;
using GitSync.Platform;

namespace GitSync.Git;

/// <summary>
/// Why an SSH private key can't be used unattended. ssh says nothing when it skips a key it
/// can't decrypt without a terminal (it just offers the next, then reports "Permission
/// denied (publickey)"), so git-sync looks at the file itself.
/// </summary>
internal static class SshKeyFile
{
    private const long MaxKeySize = 64 * 1024;

    /// <summary>The problem with the key at <paramref name="path"/> ("is passphrase-protected", "permission denied"), or null.</summary>
    public static string? Problem(string path)
    {
        string text;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return Directory.Exists(path) ? "it is a directory, not a file" : "it does not exist";
            }
            if (info.Length > MaxKeySize)
            {
                return "it is too large to be a private key";
            }
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return IoErrors.Reason(e, path);
        }
        return IsEncrypted(text) ? "it is passphrase-protected" : null;
    }

    /// <summary>Whether a PEM or OpenSSH private key asks for a passphrase.</summary>
    public static bool IsEncrypted(string text)
    {
        if (text.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal)
            || text.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
        {
            return true;
        }
        const string begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
        const string end = "-----END OPENSSH PRIVATE KEY-----";
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var stop = start < 0 ? -1 : text.IndexOf(end, start, StringComparison.Ordinal);
        if (stop < 0)
        {
            return false;
        }
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(text[(start + begin.Length)..stop].Replace("\n", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal).Trim());
        }
        catch (FormatException)
        {
            return false;
        }
        // "openssh-key-v1\0", then the cipher name as a length-prefixed string: "none" unless encrypted.
        ReadOnlySpan<byte> magic = "openssh-key-v1\0"u8;
        if (blob.Length < magic.Length + 4 || !blob.AsSpan(0, magic.Length).SequenceEqual(magic))
        {
            return false;
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(magic.Length, 4));
        if (length > 64 || blob.Length < magic.Length + 4 + (int)length)
        {
            return false;
        }
        return !blob.AsSpan(magic.Length + 4, (int)length).SequenceEqual("none"u8);
    }
}
