namespace GitSync.Auth;

/// <summary>Facts about repository URLs that decide which credentials apply.</summary>
internal static class RepoUrl
{
    /// <summary>
    /// True for URLs git reaches over SSH: <c>ssh://</c> (and the <c>git+ssh</c> spellings) and
    /// the scp-like <c>[user@]host:path</c>, where a ':' comes before any '/'.
    /// </summary>
    public static bool IsSsh(string url)
    {
        if (url.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase)
            || url.StartsWith("git+ssh://", StringComparison.OrdinalIgnoreCase)
            || url.StartsWith("ssh+git://", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (url.Contains("://", StringComparison.Ordinal))
        {
            return false;
        }
        var colon = url.IndexOf(':', StringComparison.Ordinal);
        var slash = url.IndexOf('/', StringComparison.Ordinal);
        return colon > 0 && (slash < 0 || colon < slash);
    }

    /// <summary>
    /// Splits <c>http(s)://user:password@host/…</c> into the URL without the user part and the
    /// (percent-decoded) username and password. Only http(s) URLs with a password are split:
    /// an SSH URL's user is part of the address, and a bare <c>user@</c> is left for git.
    /// The rest of the URL is kept byte for byte.
    /// </summary>
    public static (string Url, string? Username, string? Password) SplitCredentials(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return (url, null, null);
        }
        var scheme = url[..schemeEnd];
        if (!scheme.Equals("http", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
        {
            return (url, null, null);
        }
        var authorityStart = schemeEnd + 3;
        var authorityEnd = url.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0)
        {
            authorityEnd = url.Length;
        }
        // A literal '@' in a password must be percent-encoded, so the user part ends at the last '@'.
        var at = url.LastIndexOf('@', authorityEnd - 1, authorityEnd - authorityStart);
        if (at < 0)
        {
            return (url, null, null);
        }
        var userInfo = url[authorityStart..at];
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return (url, null, null);
        }
        var username = Uri.UnescapeDataString(userInfo[..colon]);
        var password = Uri.UnescapeDataString(userInfo[(colon + 1)..]);
        var stripped = url[..authorityStart] + url[(at + 1)..];
        return (stripped, username, password);
    }
}
