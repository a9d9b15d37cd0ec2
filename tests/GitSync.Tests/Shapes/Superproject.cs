using GitSync.Tests.Infrastructure;

namespace GitSync.Tests.Shapes;

/// <summary>
/// Submodule plumbing on real source repositories: add, move, repoint and remove a submodule
/// in a superproject with the git CLI, committing each change like a developer would.
/// <code>Superproject.Add(repo, sub, "sub"); Superproject.Move(repo, "sub", sub.Commit("f", "v2"));</code>
/// </summary>
public static class Superproject
{
    /// <summary>Adds <paramref name="sub"/> at <paramref name="path"/> (by <paramref name="url"/>, default its file:// URL) and commits; returns the superproject's new head.</summary>
    public static string Add(TestRepo super, TestRepo sub, string path, string? url = null)
    {
        super.Git("submodule", "add", "--quiet", url ?? sub.Url, path);
        super.Git("commit", "--quiet", "-m", "add submodule " + path);
        return super.Head;
    }

    /// <summary>Points the submodule at <paramref name="path"/> to <paramref name="commit"/> (which its remote has) and commits.</summary>
    public static string Move(TestRepo super, string path, string commit)
    {
        string checkout = Path.Combine(super.Path, path);
        LocalGit.Output(checkout, "fetch", "--quiet", "origin");
        LocalGit.Output(checkout, "checkout", "--quiet", commit);
        super.Git("add", path);
        super.Git("commit", "--quiet", "-m", $"move submodule {path} to {commit}");
        return super.Head;
    }

    /// <summary>Changes the URL of the submodule at <paramref name="path"/> to <paramref name="to"/>'s head, moves it there and commits.</summary>
    public static string Repoint(TestRepo super, string path, TestRepo to)
    {
        super.Git("config", "--file", ".gitmodules", $"submodule.{path}.url", to.Url);
        super.Git("submodule", "sync", "--quiet", "--", path);
        string checkout = Path.Combine(super.Path, path);
        LocalGit.Output(checkout, "fetch", "--quiet", "origin");
        LocalGit.Output(checkout, "checkout", "--quiet", "FETCH_HEAD");
        super.Git("add", ".gitmodules", path);
        super.Git("commit", "--quiet", "-m", $"submodule {path} now from {to.Url}");
        return super.Head;
    }

    /// <summary>Sets a <c>.gitmodules</c> key of the submodule at <paramref name="path"/> (e.g. <c>shallow</c>) and commits.</summary>
    public static string Configure(TestRepo super, string path, string key, string value)
    {
        super.Git("config", "--file", ".gitmodules", $"submodule.{path}.{key}", value);
        super.Git("commit", "--quiet", "-am", $"submodule {path}: {key}={value}");
        return super.Head;
    }

    /// <summary>Removes the submodule at <paramref name="path"/> (gitlink and .gitmodules entry) and commits.</summary>
    public static string Remove(TestRepo super, string path) => super.Remove(path);

    /// <summary>A URL for <paramref name="sub"/> relative to <paramref name="super"/>'s own location, as .gitmodules allows.</summary>
    public static string RelativeUrl(TestRepo super, TestRepo sub) =>
        "../" + Path.GetRelativePath(Path.GetDirectoryName(super.Path)!, sub.Path).Replace('\\', '/');

    /// <summary>Number of commits in the history of the checkout at <paramref name="path"/> (a submodule or the link).</summary>
    public static int CommitCount(string path) =>
        int.Parse(LocalGit.Output(path, "rev-list", "--count", "HEAD"), System.Globalization.CultureInfo.InvariantCulture);
}
