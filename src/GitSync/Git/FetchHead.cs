using System.IO.Compression;

namespace GitSync.Git;

/// <summary>
/// The commit a fetch left in <c>FETCH_HEAD</c>, read without starting git in the common case:
/// the first line's object when it is stored loose and its header says <c>commit</c> (a fetch
/// of fewer than <c>fetch.unpackLimit</c> objects — every small update — stores them loose).
/// Anything else (a tag object to peel, a packed object, an unexpected line) is left to
/// <c>git rev-parse FETCH_HEAD^{}</c>. Saves a process per update; git's own start-up costs
/// more than the work it would do here.
/// </summary>
internal static class FetchHead
{
    private static ReadOnlySpan<byte> CommitHeader => "commit "u8;

    /// <summary>The commit hash, or null when git must be asked.</summary>
    public static string? LooseCommit(string gitDir)
    {
        try
        {
            // "<hash>\t[not-for-merge]\t<description>": rev-parse FETCH_HEAD reads the first line's hash.
            var text = Platform.SmallFile.ReadText(Path.Combine(gitDir, "FETCH_HEAD"));
            if (text.Length < 41 || text[40] != '\t')
            {
                return null;
            }
            var hash = text[..40];
            if (!GitRef.IsFullHash(hash))
            {
                return null;
            }
            // A loose object is zlib("<type> <size>\0<content>") at objects/<2 hex>/<38 hex>.
            using var file = new FileStream(Path.Combine(gitDir, "objects", hash[..2], hash[2..]), FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            using var inflate = new ZLibStream(file, CompressionMode.Decompress);
            Span<byte> header = stackalloc byte[7];
            inflate.ReadExactly(header);
            return header.SequenceEqual(CommitHeader) ? hash : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return null;
        }
    }
}
