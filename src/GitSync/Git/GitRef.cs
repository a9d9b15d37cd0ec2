namespace GitSync.Git;

/// <summary>Facts about ref strings.</summary>
internal static class GitRef
{
    public static bool IsFullHash(string s) => (s.Length == 40 || s.Length == 64) && s.All(char.IsAsciiHexDigitLower);

    public static bool LooksLikeAbbreviatedHash(string s) => s.Length is >= 4 and < 40 && s.All(char.IsAsciiHexDigit);
}
