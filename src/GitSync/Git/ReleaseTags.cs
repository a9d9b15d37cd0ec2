using Semver;

namespace GitSync.Git;

/// <summary>
/// A release tag on the remote: its name, the version the name stands for, the object the tag
/// ref names (the tag object of an annotated tag, the commit of a lightweight one) and the commit
/// it peels to.
/// </summary>
internal sealed record ReleaseTag(string Name, SemVersion Version, string Object, string Commit)
{
    /// <summary>The full ref name, as fetched and as a push names it.</summary>
    public string RefName => "refs/tags/" + Name;

    /// <summary>The ref to fetch for this tag: its full name, never a short name git could resolve elsewhere.</summary>
    public GitRef Ref => GitRef.Parse(RefName);

    /// <summary>The version without build metadata, as it is compared.</summary>
    public string VersionText => Version.WithoutMetadata().ToString();
}

/// <summary>Reads <c>git ls-remote --tags</c> output and picks the newest release in a range.</summary>
internal static class ReleaseTags
{
    /// <summary>
    /// The semver tags of an <c>ls-remote --tags</c> listing. Lines of other names, malformed
    /// lines and anything that is not a full hex hash are skipped: the listing comes from the
    /// remote, and only names made of version characters ever reach a git command line.
    /// </summary>
    public static IReadOnlyList<ReleaseTag> Parse(string lsRemoteTagsOutput)
    {
        var objects = new Dictionary<string, string>(StringComparer.Ordinal);
        var peeled = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lsRemoteTagsOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t');
            if (tab <= 0)
            {
                continue;
            }
            var hash = line[..tab];
            var name = line[(tab + 1)..].TrimEnd('\r');
            if (!GitRef.IsFullHash(hash) || !name.StartsWith("refs/tags/", StringComparison.Ordinal))
            {
                continue;
            }
            name = name["refs/tags/".Length..];
            if (name.EndsWith("^{}", StringComparison.Ordinal))
            {
                peeled[name[..^3]] = hash;
            }
            else
            {
                objects[name] = hash;
            }
        }
        var tags = new List<ReleaseTag>();
        foreach (var (name, obj) in objects)
        {
            if (SemverRange.VersionOf(name) is { } version)
            {
                // Without a peeled line (a lightweight tag, or a server that sends none) the
                // object is taken as the commit; an annotated tag then never equals the served
                // hash, and the fetch that follows peels it: correct, one fetch dearer.
                tags.Add(new ReleaseTag(name, version, obj, peeled.GetValueOrDefault(name, obj)));
            }
        }
        return tags;
    }

    /// <summary>
    /// The tags in <paramref name="range"/>, newest first: by SemVer precedence, and between tags
    /// of equal precedence (<c>v1.2.0</c> and <c>1.2.0</c>, or differing build metadata) by name,
    /// so the choice never depends on the order of the listing.
    /// </summary>
    public static IReadOnlyList<ReleaseTag> Matching(IEnumerable<ReleaseTag> tags, SemverRange range) =>
        [.. tags.Where(t => range.Contains(t.Version)).OrderDescending(NewestFirst.Instance)];

    /// <summary>The newest tag in <paramref name="range"/>, or null when none is.</summary>
    public static ReleaseTag? Newest(IEnumerable<ReleaseTag> tags, SemverRange range)
    {
        ReleaseTag? best = null;
        foreach (var tag in tags)
        {
            if (range.Contains(tag.Version) && (best is null || NewestFirst.Instance.Compare(tag, best) > 0))
            {
                best = tag;
            }
        }
        return best;
    }

    /// <summary>Orders tags by precedence, then by name (ordinal).</summary>
    private sealed class NewestFirst : IComparer<ReleaseTag>
    {
        public static readonly NewestFirst Instance = new();

        public int Compare(ReleaseTag? x, ReleaseTag? y)
        {
            if (x is null || y is null)
            {
                return x is null ? (y is null ? 0 : -1) : 1;
            }
            var byVersion = x.Version.ComparePrecedenceTo(y.Version);
            return byVersion != 0 ? byVersion : string.CompareOrdinal(x.Name, y.Name);
        }
    }
}
