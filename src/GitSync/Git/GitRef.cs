namespace GitSync.Git;

/// <summary>What kind of name a <see cref="GitRef"/> is.</summary>
internal enum RefKind
{
    /// <summary><c>HEAD</c>: the remote's default branch (a symbolic ref).</summary>
    Head,

    /// <summary>A full ref name: <c>refs/heads/main</c>, <c>refs/tags/v1</c>.</summary>
    FullName,

    /// <summary>A short name git resolves by its rules: <c>main</c>, <c>v1</c>, <c>heads/main</c>.</summary>
    ShortName,

    /// <summary>A full commit hash (40 or 64 lowercase hex digits): it never moves.</summary>
    Hash,
}

/// <summary>
/// <c>--ref</c>, parsed once: HEAD, a full ref name, a short name or a full commit hash. It knows
/// the names git tries for it, in git's order (<see cref="Candidates"/>): the one place git's
/// short-name rules are written, for the probe, the fetch, the signature gate's tag mode and the
/// push trigger.
/// </summary>
internal sealed record GitRef
{
    private GitRef(string text, RefKind kind)
    {
        Text = text;
        Kind = kind;
    }

    /// <summary>The remote's default branch.</summary>
    public static GitRef Head { get; } = new("HEAD", RefKind.Head);

    /// <summary>The name as git gets it (a hash in lowercase).</summary>
    public string Text { get; }

    public RefKind Kind { get; }

    public bool IsHash => Kind == RefKind.Hash;

    /// <summary>4 to 39 hex digits: probably an abbreviated hash, which a fetch cannot ask for.</summary>
    public bool LooksLikeAbbreviatedHash => Kind == RefKind.ShortName && Text.Length is >= 4 and < 40 && Text.All(char.IsAsciiHexDigit);

    /// <summary>Whether the name can be an annotated tag: not HEAD, a hash, a branch or a remote-tracking ref.</summary>
    public bool CanNameTag => Kind == RefKind.ShortName
        || (Kind == RefKind.FullName && !Text.StartsWith("refs/heads/", StringComparison.Ordinal) && !Text.StartsWith("refs/remotes/", StringComparison.Ordinal));

    /// <summary>
    /// The full names git tries for this name, first match wins (its <c>ref_rev_parse_rules</c>,
    /// applied by rev-parse and by fetch alike): the name itself, then under <c>refs/</c>,
    /// tags, heads, remotes, and a remote's HEAD. Empty for a hash.
    /// </summary>
    public IReadOnlyList<string> Candidates => IsHash ? [] :
    [
        Text,
        "refs/" + Text,
        "refs/tags/" + Text,
        "refs/heads/" + Text,
        "refs/remotes/" + Text,
        "refs/remotes/" + Text + "/HEAD",
    ];

    /// <summary>Reads a ref as given by the user; a full hash in any case becomes lowercase.</summary>
    public static GitRef Parse(string text)
    {
        if (text == "HEAD")
        {
            return Head;
        }
        var lower = text.ToLowerInvariant();
        if (IsFullHash(lower))
        {
            return new GitRef(lower, RefKind.Hash);
        }
        return new GitRef(text, text.StartsWith("refs/", StringComparison.Ordinal) ? RefKind.FullName : RefKind.ShortName);
    }

    /// <summary>A full commit hash in git's lowercase hex: SHA-1 (40) or SHA-256 (64).</summary>
    public static bool IsFullHash(string s) => (s.Length == 40 || s.Length == 64) && s.All(char.IsAsciiHexDigitLower);

    public override string ToString() => Text;
}
