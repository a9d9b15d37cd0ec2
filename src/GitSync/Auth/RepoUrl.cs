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
    /// Splits the user part out of an http(s) URL: <c>https://user:password@host/…</c> gives the
    /// URL without it and the (percent-decoded) username and password; <c>https://TOKEN@host/…</c>
    /// gives username TOKEN and an empty password, which is what git would send after asking for
    /// a password (and what upstream stores). Either way every part of
    /// it is a secret that must reach git only through the credential store. Other schemes are
    /// left alone: an SSH URL's user is part of the address. The rest of the URL is kept byte
    /// for byte.
    /// </summary>
    public static (string Url, string? Username, string? Password) SplitCredentials(string url)
    {
        if (UserInfoRange(url) is not var (authorityStart, at))
        {
            return (url, null, null);
        }
        var userInfo = url[authorityStart..at];
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        var username = Unescape(colon < 0 ? userInfo : userInfo[..colon]);
        var password = colon < 0 ? "" : Unescape(userInfo[(colon + 1)..]);
        var stripped = url[..authorityStart] + url[(at + 1)..];
        return (stripped, username, password);
    }

    /// <summary>True when <paramref name="url"/> carries credentials: any user part of an http(s) URL, or a password in any URL.</summary>
    public static bool HasCredentials(string url)
        => UserInfoRange(url) is not null
           || (Uri.TryCreate(url, UriKind.Absolute, out var u) && u.UserInfo.Contains(':', StringComparison.Ordinal));

    /// <summary>Where the user part of an http(s) URL starts, and the index of the '@' that ends it.</summary>
    private static (int Start, int At)? UserInfoRange(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return null;
        }
        var scheme = url[..schemeEnd];
        if (!scheme.Equals("http", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var authorityStart = schemeEnd + 3;
        var authorityEnd = url.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0)
        {
            authorityEnd = url.Length;
        }
        if (authorityEnd == authorityStart)
        {
            return null;
        }
        // A literal '@' in a password must be percent-encoded, so the user part ends at the last '@'.
        var at = url.LastIndexOf('@', authorityEnd - 1, authorityEnd - authorityStart);
        return at < 0 ? null : (authorityStart, at);
    }

    private static string Unescape(string s)
    {
        try
        {
            return Uri.UnescapeDataString(s);
        }
        catch (UriFormatException)
        {
            return s;
        }
    }
}
