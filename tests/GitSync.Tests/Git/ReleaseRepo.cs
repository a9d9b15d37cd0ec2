using GitSync.Tests.Infrastructure;

namespace GitSync.Tests.Git;

/// <summary>
/// A real repository with the release tags of issue 16, each on a commit of its own:
/// <c>v1.0.0</c> (lightweight), <c>v1.2.0</c> (annotated), <c>v1.9.0</c> (lightweight),
/// <c>v1.10.0</c> (annotated), <c>1.11.0-rc.1</c> (annotated, no v), <c>v2.0.0</c> (lightweight),
/// and tags that are not semver (<c>release-3</c>, <c>v3.0</c>, <c>latest</c>) on a last commit.
/// </summary>
public sealed class ReleaseRepo
{
    private ReleaseRepo(TestRepo repo, IReadOnlyDictionary<string, string> commits, string unversioned)
    {
        Repo = repo;
        Commits = commits;
        Unversioned = unversioned;
    }

    public TestRepo Repo { get; }

    /// <summary>The commit each release tag names.</summary>
    public IReadOnlyDictionary<string, string> Commits { get; }

    /// <summary>The commit of the tags that are not versions (never chosen).</summary>
    public string Unversioned { get; }

    public static ReleaseRepo Create(TestRepo repo)
    {
        var commits = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string tag, bool annotated) in new[]
                 {
                     ("v1.0.0", false), ("v1.2.0", true), ("v1.9.0", false), ("v1.10.0", true),
                     ("1.11.0-rc.1", true), ("v2.0.0", false),
                 })
        {
            repo.Commit("version", tag);
            commits[tag] = repo.Tag(tag, annotated);
        }

        string unversioned = repo.Commit("version", "not a release");
        repo.Tag("release-3");
        repo.Tag("v3.0", annotated: true);
        repo.Tag("latest");
        return new ReleaseRepo(repo, commits, unversioned);
    }
}
