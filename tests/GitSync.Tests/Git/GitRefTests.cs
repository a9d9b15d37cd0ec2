using GitSync.Git;
using Xunit;

namespace GitSync.Tests.Git;

/// <summary>The parsed --ref: its kind, and the names git tries for it, in git's order.</summary>
public sealed class GitRefTests
{
    private const string Sha1 = "0123456789abcdef0123456789abcdef01234567";
    private const string Sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("HEAD", "Head")]
    [InlineData("main", "ShortName")]
    [InlineData("v1.2", "ShortName")]
    [InlineData("heads/main", "ShortName")]
    [InlineData("release/1.x", "ShortName")]
    [InlineData("refs/heads/main", "FullName")]
    [InlineData("refs/tags/v1", "FullName")]
    [InlineData(Sha1, "Hash")]
    [InlineData(Sha256, "Hash")]
    [InlineData("0123456", "ShortName")]
    [InlineData("head", "ShortName")]
    public void Parse_tells_the_kind(string text, string kind)
    {
        var parsed = GitRef.Parse(text);
        Assert.Equal(kind, parsed.Kind.ToString());
        Assert.Equal(parsed.Kind == RefKind.Hash, parsed.IsHash);
    }

    [Fact]
    public void A_full_hash_in_upper_case_becomes_lowercase_and_other_names_keep_their_case()
    {
        Assert.Equal(Sha1, GitRef.Parse(Sha1.ToUpperInvariant()).Text);
        Assert.Equal(RefKind.Hash, GitRef.Parse(Sha1.ToUpperInvariant()).Kind);
        Assert.Equal("Main", GitRef.Parse("Main").Text);
        Assert.Equal("Main", GitRef.Parse("Main").ToString());
    }

    [Fact]
    public void HEAD_parses_to_the_shared_value()
    {
        Assert.Same(GitRef.Head, GitRef.Parse("HEAD"));
        Assert.Equal(GitRef.Parse("main"), GitRef.Parse("main"));
        Assert.NotEqual(GitRef.Parse("main"), GitRef.Parse("refs/heads/main"));
    }

    [Fact]
    public void A_short_name_has_gits_six_candidates_in_order()
    {
        Assert.Equal(
            ["main", "refs/main", "refs/tags/main", "refs/heads/main", "refs/remotes/main", "refs/remotes/main/HEAD"],
            GitRef.Parse("main").Candidates);
    }

    [Fact]
    public void A_full_name_comes_first_among_its_own_candidates()
    {
        var candidates = GitRef.Parse("refs/heads/main").Candidates;
        Assert.Equal("refs/heads/main", candidates[0]);
        Assert.Equal(6, candidates.Count);
    }

    [Fact]
    public void HEAD_is_its_own_first_candidate_and_a_hash_has_none()
    {
        Assert.Equal("HEAD", GitRef.Head.Candidates[0]);
        Assert.Empty(GitRef.Parse(Sha1).Candidates);
    }

    [Theory]
    [InlineData("abcd", true)]
    [InlineData("ABCDEF0", true)]
    [InlineData("0123456789abcdef0123456789abcdef0123456", true)]
    [InlineData("abc", false)]
    [InlineData("main", false)]
    [InlineData("refs/tags/abcdef0", false)]
    [InlineData(Sha1, false)]
    public void An_abbreviated_hash_is_recognised(string text, bool abbreviated)
    {
        Assert.Equal(abbreviated, GitRef.Parse(text).LooksLikeAbbreviatedHash);
    }

    [Theory]
    [InlineData("v1", true)]
    [InlineData("refs/tags/v1", true)]
    [InlineData("main", true)]
    [InlineData("HEAD", false)]
    [InlineData(Sha1, false)]
    [InlineData("refs/heads/main", false)]
    [InlineData("refs/remotes/origin/main", false)]
    public void Only_a_name_that_can_be_a_tag_suits_tag_verification(string text, bool canNameTag)
    {
        Assert.Equal(canNameTag, GitRef.Parse(text).CanNameTag);
    }
}

/// <summary>ls-remote output read the way fetch resolves the ref: first candidate wins, annotated tags peeled.</summary>
public sealed class RemoteRefCandidatesTests
{
    private const string Branch = "1111111111111111111111111111111111111111";
    private const string TagObject = "2222222222222222222222222222222222222222";
    private const string TagCommit = "3333333333333333333333333333333333333333";
    private const string Other = "4444444444444444444444444444444444444444";

    private static readonly string Listing = string.Join('\n',
        $"{Branch}\tHEAD",
        $"{Branch}\trefs/heads/main",
        $"{Other}\trefs/heads/v1",
        $"{TagObject}\trefs/tags/v1",
        $"{TagCommit}\trefs/tags/v1^{{}}",
        "");

    [Theory]
    [InlineData("HEAD", Branch)]
    [InlineData("main", Branch)]
    [InlineData("refs/heads/main", Branch)]
    [InlineData("heads/main", Branch)]
    [InlineData("v1", TagCommit)] // refs/tags/ comes before refs/heads/, and a tag is peeled
    [InlineData("refs/heads/v1", Other)]
    [InlineData("missing", null)]
    public void The_first_candidate_the_remote_has_wins(string wanted, string? hash)
    {
        Assert.Equal(hash, RemoteRefs.Resolve(GitRef.Parse(wanted), Listing));
    }
}
