using Semver;

namespace GitSync.Git;

/// <summary>
/// <c>--ref-semver</c>: a version range in npm's syntax (comparisons, <c>~</c>, <c>^</c>,
/// x-ranges, <c>*</c>, hyphen ranges, <c>||</c>), matched against the remote's tag names.
/// Parsing and precedence are the Semver package's (SemVer 2.0: numeric identifiers compare as
/// numbers, build metadata is ignored); a pre-release matches only when the range names a
/// pre-release of the same major.minor.patch, as in npm.
/// </summary>
internal sealed class SemverRange
{
    /// <summary>Longer ranges are refused: nobody writes one, and the parser's work grows with the text.</summary>
    public const int MaxLength = 512;

    private readonly SemVersionRange _range;

    private SemverRange(string text, SemVersionRange range)
    {
        Text = text;
        _range = range;
    }

    /// <summary>The range as the user wrote it.</summary>
    public string Text { get; }

    /// <summary>The range as the parser understood it (<c>~1.4</c> reads <c>1.4.*</c>).</summary>
    public string Normalized => _range.ToString();

    /// <summary>Reads a range; a <see cref="FormatException"/> says in one line what is wrong with it.</summary>
    public static SemverRange Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FormatException("the range is empty (use * to follow every release)");
        }
        if (text.Length > MaxLength)
        {
            throw new FormatException($"the range is longer than {MaxLength} characters");
        }
        if (text.Any(char.IsControl))
        {
            throw new FormatException("the range must not contain control characters such as line breaks");
        }
        // Masterminds/semver (Flux, Helm) separates the comparisons of one set with commas,
        // npm with spaces: accept both.
        var npm = text.Replace(',', ' ');
        // npm reads an empty alternative ("^1.2 ||") as "*": a typo would follow every release.
        if (npm.Split("||").Any(alternative => string.IsNullOrWhiteSpace(alternative)))
        {
            throw new FormatException("an alternative of || is empty (it would match every version)");
        }
        try
        {
            return new SemverRange(text, SemVersionRange.ParseNpm(npm, includeAllPrerelease: false, MaxLength));
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new FormatException(e.Message.TrimEnd('.'));
        }
    }

    /// <summary>Whether <paramref name="version"/> is in the range (build metadata plays no part).</summary>
    public bool Contains(SemVersion version) => _range.Contains(version);

    /// <summary>
    /// The version a tag name stands for: a strict SemVer 2.0 version with an optional leading
    /// lowercase <c>v</c> (<c>v1.2.3</c>, <c>1.2.3-rc.1+build.5</c>); null for any other name
    /// (<c>1.2</c>, <c>release-1.2.3</c>, <c>v01.2.3</c>).
    /// </summary>
    public static SemVersion? VersionOf(string tagName)
    {
        if (tagName.Length is 0 or > 256)
        {
            return null;
        }
        return SemVersion.TryParse(tagName, SemVersionStyles.AllowLowerV, out var version) ? version : null;
    }

    /// <summary>
    /// Whether a push of <paramref name="pushedRef"/> (a full ref name) can change the newest tag
    /// in range: a tag whose name is a version in range (created, moved or deleted alike).
    /// </summary>
    public bool CanMove(string pushedRef) =>
        pushedRef.StartsWith("refs/tags/", StringComparison.Ordinal)
        && VersionOf(pushedRef["refs/tags/".Length..]) is { } version
        && Contains(version);

    public override string ToString() => Text;
}
