using GitSync.Git;
using GitSync.Tests.Infrastructure;
using Xunit;

namespace GitSync.Tests.Git;

/// <summary>
/// The commit a real <c>git fetch</c> left in FETCH_HEAD, read without git when it is a loose
/// commit, and left to git (null) for everything it can't be sure of.
/// </summary>
public sealed class FetchHeadTests : IDisposable
{
    private readonly TestRepo _source = TestRepo.Create();
    private readonly TempDir _dir = TempDir.Create("fetch-head");

    private string Root => _dir.Combine("root");

    private string GitDir => Path.Combine(Root, ".git");

    private void Fetch(string reference, params string[] extra)
    {
        if (!Directory.Exists(Root))
        {
            LocalGit.Output(_dir.Path, "init", "--quiet", Root);
        }
        LocalGit.Output(Root, ["fetch", "--quiet", "--depth", "1", .. extra, "--", _source.Url, reference]);
    }

    [Fact]
    public void A_small_fetch_of_a_branch_is_read_as_the_commit_git_would_name()
    {
        _source.Commit("file", "v1");
        Fetch("main");
        string? hash = FetchHead.LooseCommit(GitDir);
        Assert.Equal(LocalGit.Output(Root, "rev-parse", "FETCH_HEAD^{}").Trim(), hash);
        Assert.Equal(_source.Head, hash);
    }

    [Fact]
    public void An_annotated_tag_is_left_to_git_to_peel()
    {
        _source.Commit("file", "v1");
        _source.Tag("v1", annotated: true);
        Fetch("refs/tags/v1");
        Assert.Null(FetchHead.LooseCommit(GitDir));
    }

    [Fact]
    public void A_commit_that_arrived_in_a_pack_is_left_to_git()
    {
        _source.Commit("file", "v1");
        // unpackLimit 1: every fetched object stays in the received pack.
        LocalGit.Output(_dir.Path, "init", "--quiet", Root);
        LocalGit.Output(Root, "config", "fetch.unpackLimit", "1");
        Fetch("main");
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(GitDir, "objects"), "??"));
        Assert.Null(FetchHead.LooseCommit(GitDir));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a hash\t\tbranch 'main'\n")]
    [InlineData("0123456789012345678901234567890123456789\t\tmissing object\n")]
    [InlineData("ABCDEF0123456789012345678901234567890123\t\tupper case\n")]
    [InlineData("0123456789012345678901234567890123456789 no tab\n")]
    public void Anything_unexpected_is_left_to_git(string content)
    {
        Directory.CreateDirectory(Path.Combine(GitDir, "objects", "01"));
        File.WriteAllText(Path.Combine(GitDir, "FETCH_HEAD"), content);
        Assert.Null(FetchHead.LooseCommit(GitDir));
    }

    [Fact]
    public void A_corrupt_loose_object_is_left_to_git()
    {
        _source.Commit("file", "v1");
        Fetch("main");
        string hash = _source.Head;
        string loose = Path.Combine(GitDir, "objects", hash[..2], hash[2..]);
        File.SetUnixFileMode(loose, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(loose, "not zlib at all");
        Assert.Null(FetchHead.LooseCommit(GitDir));
    }

    [Fact]
    public void No_fetch_head_is_left_to_git()
    {
        LocalGit.Output(_dir.Path, "init", "--quiet", Root);
        Assert.Null(FetchHead.LooseCommit(GitDir));
    }

    public void Dispose()
    {
        _source.Dispose();
        _dir.Dispose();
    }
}
