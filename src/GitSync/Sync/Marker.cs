using System.Globalization;
using GitSync.Logging;
using GitSync.Platform;

namespace GitSync.Sync;

/// <summary>
/// <c>--marker-file</c>: one file at a fixed path outside the published tree that names the live
/// revision, for watchers. After each publish it is replaced atomically (a new file renamed over
/// it), so a watcher on its directory sees one <c>IN_MOVED_TO</c> per publish and every read
/// gets a whole file: the hash on the first line, the publish time (UTC, RFC 3339) on the
/// second. In copy mode it is removed before the directory starts changing: while it is
/// absent, no revision is fully there; when present, the directory holds exactly that revision.
/// </summary>
internal sealed class Marker(string path, TimeProvider time, Log log)
{
    public string Path { get; } = path;

    /// <summary>Names <paramref name="hash"/> as live. A failure is logged: the publish itself stands.</summary>
    public void Write(string hash)
    {
        var stamp = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        try
        {
            Filesystem.WriteAtomic(Path, System.Text.Encoding.UTF8.GetBytes(hash + "\n" + stamp + "\n"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error(IoErrors.Describe("write the --marker-file", Path, e), "can't write the marker file", ("path", Path));
        }
    }

    /// <summary>Removes the marker before the published content starts changing; throws if it can't (the update must not start).</summary>
    public void Withdraw()
    {
        try
        {
            File.Delete(Path);
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing to withdraw.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException(IoErrors.Describe("remove the --marker-file", Path, e), e);
        }
    }
}
