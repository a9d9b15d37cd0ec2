using System.Runtime.InteropServices;

namespace GitSync.Platform;

/// <summary>
/// File-system failures in words a user can act on. .NET's own messages name the path but not
/// what git-sync was doing with it, and a NativeAOT build with resource keys turned on would
/// show keys instead of sentences; callers say what they tried, this says why it failed.
/// </summary>
internal static class IoErrors
{
    /// <summary>Why <paramref name="e"/> happened, e.g. "it does not exist" or "permission denied".</summary>
    public static string Reason(Exception e, string? path = null) => e switch
    {
        FileNotFoundException => "it does not exist",
        DirectoryNotFoundException => "it or a directory above it does not exist",
        // .NET reports a directory opened as a file as "access denied".
        UnauthorizedAccessException when path is not null && Directory.Exists(path) => "it is a directory, not a file",
        UnauthorizedAccessException => "permission denied",
        PathTooLongException => "the path is too long",
        // Other errors carry errno as their HResult on Unix (EROFS, ENOSPC, ELOOP, ...).
        IOException { HResult: > 0 and < 4096 } io => Lower(Marshal.GetPInvokeErrorMessage(io.HResult)),
        _ => e.Message,
    };

    /// <summary>"can't <paramref name="action"/> <paramref name="path"/>: reason" — one sentence naming the path.</summary>
    public static string Describe(string action, string path, Exception e) => $"can't {action} {path}: {Reason(e, path)}";

    private static string Lower(string s) => s.Length > 1 && char.IsUpper(s[0]) && !char.IsUpper(s[1]) ? char.ToLowerInvariant(s[0]) + s[1..] : s;
}
