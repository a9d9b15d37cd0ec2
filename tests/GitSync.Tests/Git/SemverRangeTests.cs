using GitSync.Git;
using GitSync.Http;
using GitSync.Tests.Infrastructure;
using Xunit;

namespace GitSync.Tests.Git;

/// <summary>Ranges read in npm's syntax and matched against tag names by SemVer 2.0 precedence.</summary>
public sealed class SemverRangeTests
{
    [Theory]
    [InlineData("v1.2.3", "1.2.3")]
    [InlineData("1.2.3", "1.2.3")]
    [InlineData("1.11.0-rc.1", "1.11.0-rc.1")]
    [InlineData("v2.0.0+build.5", "2.0.0+build.5")]
    public void Tag_names_with_an_optional_leading_v_are_versions(string tag, string version) =>
        Assert.Equal(version, SemverRange.VersionOf(tag)?.ToString());

    [Theory]
    [InlineData("1.2")]
    [InlineData("v3.0")]
    [InlineData("release-1.2.3")]
    [InlineData("latest")]
    [InlineData("v01.2.3")]
    [InlineData("vv1.2.3")]
    [InlineData(" 1.2.3")]
    [InlineData("1.2.3 ")]
    [InlineData("1.2.3-")]
    [InlineData("")]
    public void Other_tag_names_are_not_versions(string tag) => Assert.Null(SemverRange.VersionOf(tag));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("^1.2 ||", "alternative of || is empty")]
    [InlineData("|| ~2.0", "alternative of || is empty")]
    [InlineData("latest", "latest")]
    [InlineData("^1.2\n", "control characters")]
    [InlineData(">=1.2.3 <", "")]
    [InlineData("1.2.3 -", "")]
    public void Malformed_ranges_are_refused_with_a_reason(string text, string reason)
    {
        var e = Assert.Throws<FormatException>(() => SemverRange.Parse(text));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_very_long_range_is_refused() =>
        Assert.Throws<FormatException>(() => SemverRange.Parse(string.Join(" || ", Enumerable.Repeat("^1.2.3", 200))));

    [Theory]
    [InlineData("~1.4", "1.4.0", true)]
    [InlineData("~1.4", "1.4.9", true)]
    [InlineData("~1.4", "1.5.0", false)]
    [InlineData("^1.4.2", "1.4.1", false)]
    [InlineData("^1.4.2", "1.99.0", true)]
    [InlineData("^1.4.2", "2.0.0", false)]
    [InlineData("^0.2.3", "0.3.0", false)]
    [InlineData("1.4.x", "1.4.7", true)]
    [InlineData("1.x", "1.10.0", true)]
    [InlineData("*", "9.9.9", true)]
    [InlineData("*", "9.9.9-rc.1", false)]
    [InlineData(">=1.2.0 <2.0.0", "1.10.0", true)]
    [InlineData(">=1.2.0, <2.0.0", "2.0.0", false)]
    [InlineData("<1.0.0 || >=2.0.0", "1.5.0", false)]
    [InlineData("<1.0.0 || >=2.0.0", "2.1.0", true)]
    [InlineData("1.0.0 - 1.9.0", "1.9.0", true)]
    [InlineData("^v1.2", "1.2.0", true)]
    [InlineData("^1.11.0-rc.0", "1.11.0-rc.1", true)]
    [InlineData("^1.11.0-rc.0", "1.12.0-rc.1", false)]
    [InlineData(">=1.11.0-rc.1", "1.11.0", true)]
    [InlineData("1.2.3", "1.2.3+build.7", true)]
    public void Ranges_follow_npm(string range, string version, bool contained) =>
        Assert.Equal(contained, SemverRange.Parse(range).Contains(SemverRange.VersionOf(version)!));

    [Fact]
    public void Versions_compare_as_numbers_and_ignore_build_metadata()
    {
        const string a = "0000000000000000000000000000000000000001";
        const string b = "0000000000000000000000000000000000000002";
        string listing = $"{a}\trefs/tags/v1.9.0\n{b}\trefs/tags/v1.10.0\n";
        Assert.Equal("v1.10.0", ReleaseTags.Newest(ReleaseTags.Parse(listing), SemverRange.Parse("*"))!.Name);

        // Equal precedence: the choice does not depend on the listing's order.
        string first = $"{a}\trefs/tags/v2.0.0+build.1\n{b}\trefs/tags/2.0.0\n";
        string second = $"{b}\trefs/tags/2.0.0\n{a}\trefs/tags/v2.0.0+build.1\n";
        var range = SemverRange.Parse("^2");
        Assert.Equal(ReleaseTags.Newest(ReleaseTags.Parse(first), range)!.Name, ReleaseTags.Newest(ReleaseTags.Parse(second), range)!.Name);
    }

    [Fact]
    public void Listing_lines_that_are_not_tags_with_full_hashes_are_skipped()
    {
        const string hash = "0123456789012345678901234567890123456789";
        string listing = string.Join('\n',
            $"{hash}\trefs/heads/v9.0.0",
            $"0123\trefs/tags/v8.0.0",
            $"{hash} refs/tags/v7.0.0",
            $"{hash}\trefs/tags/v6.0.0 --upload-pack=x",
            $"{hash}\trefs/tags/v1.0.0",
            "garbage");
        var tags = ReleaseTags.Parse(listing);
        Assert.Equal(["v1.0.0"], tags.Select(t => t.Name));
    }

    [Fact]
    public void Pushes_of_tags_in_range_move_the_ref_and_others_do_not()
    {
        var range = SemverRange.Parse("~1.4");
        Assert.True(PushPayload.DecideRelease("refs/tags/v1.4.3", range).Sync);
        Assert.True(PushPayload.DecideRelease("refs/tags/1.4.0", range).Sync);
        Assert.False(PushPayload.DecideRelease("refs/tags/v1.5.0", range).Sync);
        Assert.False(PushPayload.DecideRelease("refs/tags/v1.4.3-rc.1", range).Sync);
        Assert.False(PushPayload.DecideRelease("refs/heads/v1.4.3", range).Sync);
        Assert.False(PushPayload.DecideRelease("refs/heads/main", range).Sync);
        Assert.False(PushPayload.DecideRelease("refs/tags/latest", range).Sync);
    }
}

/// <summary>The tag chosen for a range, from a real repository's <c>git ls-remote --tags</c>.</summary>
public sealed class ReleaseTagSelectionTests(ReleaseTagSelectionTests.Listing listing) : IClassFixture<ReleaseTagSelectionTests.Listing>
{
    private readonly ReleaseRepo _releases = listing.Releases;
    private readonly IReadOnlyList<ReleaseTag> _listed = listing.Tags;
    private readonly TestRepo _repo = listing.Releases.Repo;

    /// <summary>One release repository and its listing for the whole class: the tests only read them.</summary>
    public sealed class Listing : IDisposable
    {
        private readonly TestRepo _repo = TestRepo.Create();

        public Listing()
        {
            Releases = ReleaseRepo.Create(_repo);
            Tags = ReleaseTags.Parse(LocalGit.Output(null, "ls-remote", "--tags", "--", _repo.Url));
        }

        public ReleaseRepo Releases { get; }

        internal IReadOnlyList<ReleaseTag> Tags { get; }

        public void Dispose() => _repo.Dispose();
    }

    [Theory]
    [InlineData("*", "v2.0.0")]
    [InlineData("^1.0.0", "v1.10.0")]
    [InlineData("1.x", "v1.10.0")]
    [InlineData("~1.9", "v1.9.0")]
    [InlineData("1.9.x", "v1.9.0")]
    [InlineData(">=1.2.0 <1.10.0", "v1.9.0")]
    [InlineData(">=1.2.0, <2.0.0", "v1.10.0")]
    [InlineData("<1.2.0", "v1.0.0")]
    [InlineData("=v1.2.0", "v1.2.0")]
    [InlineData("1.0.0 - 1.9.0", "v1.9.0")]
    [InlineData("~1.2 || ~1.9", "v1.9.0")]
    [InlineData("^1.11.0-rc.0", "1.11.0-rc.1")]
    [InlineData(">=1.11.0-rc.1", "v2.0.0")]
    [InlineData("1.11.0-rc.1", "1.11.0-rc.1")]
    [InlineData("^2", "v2.0.0")]
    public void The_newest_tag_in_range_gives_the_commit(string range, string tag)
    {
        ReleaseTag? chosen = ReleaseTags.Newest(_listed, SemverRange.Parse(range));
        Assert.NotNull(chosen);
        Assert.Equal(tag, chosen.Name);
        Assert.Equal(_releases.Commits[tag], chosen.Commit);
    }

    [Theory]
    [InlineData("1.11.x")]
    [InlineData(">=3.0.0")]
    [InlineData("~1.3")]
    [InlineData("<1.0.0")]
    public void A_range_nothing_matches_chooses_nothing(string range) =>
        Assert.Null(ReleaseTags.Newest(_listed, SemverRange.Parse(range)));

    [Fact]
    public void Annotated_tags_give_their_commit_and_keep_their_tag_object()
    {
        ReleaseTag annotated = _listed.Single(t => t.Name == "v1.10.0");
        ReleaseTag lightweight = _listed.Single(t => t.Name == "v1.9.0");
        Assert.Equal(_repo.RevParse("v1.10.0"), annotated.Object);
        Assert.NotEqual(annotated.Object, annotated.Commit);
        Assert.Equal(lightweight.Object, lightweight.Commit);
    }

    [Fact]
    public void Tags_that_are_not_versions_are_ignored() =>
        Assert.DoesNotContain(_listed, t => t.Commit == _releases.Unversioned);
}
