using GitSync.Git;
using Xunit;

namespace GitSync.Tests.Git;

public sealed class RemoteRefsTests
{
    private const string A = "1111111111111111111111111111111111111111";
    private const string B = "2222222222222222222222222222222222222222";
    private const string C = "3333333333333333333333333333333333333333";

    [Fact]
    public void Peels_annotated_tags()
        => Assert.Equal(B, RemoteRefs.Resolve(GitRef.Parse("v1"), $"{A}\trefs/tags/v1\n{B}\trefs/tags/v1^{{}}\n"));

    [Fact]
    public void Prefers_tags_over_branches_like_git_does()
        => Assert.Equal(A, RemoteRefs.Resolve(GitRef.Parse("x"), $"{B}\trefs/heads/x\n{A}\trefs/tags/x\n"));

    [Fact]
    public void Resolves_head_and_full_ref_names()
    {
        Assert.Equal(A, RemoteRefs.Resolve(GitRef.Parse("HEAD"), $"{A}\tHEAD\n"));
        Assert.Equal(C, RemoteRefs.Resolve(GitRef.Parse("refs/heads/main"), $"{C}\trefs/heads/main\n"));
    }

    [Fact]
    public void Ignores_refs_that_only_share_a_suffix()
        => Assert.Null(RemoteRefs.Resolve(GitRef.Parse("main"), $"{A}\trefs/heads/feature/main\n"));

    [Fact]
    public void Nothing_matching_is_inconclusive() => Assert.Null(RemoteRefs.Resolve(GitRef.Parse("gone"), ""));
}
