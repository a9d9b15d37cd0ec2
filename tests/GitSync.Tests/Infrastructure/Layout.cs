using Xunit;

namespace GitSync.Tests.Infrastructure;

/// <summary>
/// Assertions about what git-sync publishes: the link is a symlink with a RELATIVE target
/// <c>.worktrees/&lt;full-hash&gt;</c>, the worktree is checked out at that hash, and its
/// <c>.git</c> file names the root repo with a relative <c>gitdir:</c>.
/// </summary>
public static class Layout
{
    /// <summary>The raw symlink target, or null when <paramref name="link"/> is missing or not a symlink.</summary>
    public static string? TargetOf(string link)
    {
        try
        {
            return new FileInfo(link).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Basename of the link target (the published hash), or null when there is no link.</summary>
    public static string? PublishedHash(string link) =>
        TargetOf(link) is { } target ? Path.GetFileName(target.TrimEnd('/')) : null;

    /// <summary>Absolute path the link resolves to (one level), or null when there is no link.</summary>
    public static string? ResolvedTarget(string link) =>
        TargetOf(link) is { } target ? Path.GetFullPath(Path.Combine(Path.GetDirectoryName(link)!, target)) : null;

    /// <summary>True when nothing (not even a dangling symlink) exists at <paramref name="path"/>.</summary>
    public static bool IsAbsent(string path) =>
        !File.Exists(path) && !Directory.Exists(path) && TargetOf(path) is null;

    /// <summary>Asserts the whole published layout for <paramref name="expectedHash"/>; returns the worktree path.</summary>
    public static string AssertPublished(string link, string expectedHash, Func<string>? context = null)
    {
        string Fail(string problem) => $"{problem} (link {link})" + (context is null ? "" : "\n" + context());

        string? target = TargetOf(link);
        Assert.True(target is not null, Fail("link is missing or not a symlink"));
        Assert.False(Path.IsPathRooted(target), Fail($"link target '{target}' is absolute; it must be relative"));
        string basename = Path.GetFileName(target!.TrimEnd('/'));
        Assert.True(basename == expectedHash, Fail($"link target basename is '{basename}', expected '{expectedHash}'"));

        string worktree = ResolvedTarget(link)!;
        Assert.True(Directory.Exists(worktree), Fail($"link target {worktree} does not exist"));
        Assert.True(
            Path.GetFileName(Path.GetDirectoryName(worktree)) == ".worktrees",
            Fail($"link target {worktree} is not under a .worktrees directory"));

        GitResult head = LocalGit.Run(link, "rev-parse", "HEAD");
        Assert.True(head.Succeeded, Fail("git rev-parse HEAD failed in the link: " + LocalGit.Describe(head)));
        Assert.True(head.Stdout.Trim() == expectedHash, Fail($"worktree HEAD is {head.Stdout.Trim()}, link says {expectedHash}"));

        AssertRelativeGitdir(worktree, context);
        return worktree;
    }

    /// <summary>The worktree's <c>.git</c> is a file whose <c>gitdir:</c> path is relative.</summary>
    public static void AssertRelativeGitdir(string worktree, Func<string>? context = null)
    {
        string dotGit = Path.Combine(worktree, ".git");
        Assert.True(File.Exists(dotGit), $"{dotGit} is not a file" + (context is null ? "" : "\n" + context()));
        string content = File.ReadAllText(dotGit).Trim();
        Assert.StartsWith("gitdir: ", content, StringComparison.Ordinal);
        string gitdir = content["gitdir: ".Length..].Trim();
        Assert.False(Path.IsPathRooted(gitdir), $"{dotGit} has an absolute gitdir '{gitdir}'; it must be relative");
        string resolved = Path.GetFullPath(Path.Combine(worktree, gitdir));
        Assert.True(Directory.Exists(resolved), $"{dotGit} points at {resolved}, which does not exist");
    }

    /// <summary>Asserts the content of one file under the link.</summary>
    public static void AssertFile(string link, string relativePath, string expected, Func<string>? context = null)
    {
        string path = Path.Combine(link, relativePath);
        Assert.True(File.Exists(path), $"{path} does not exist" + (context is null ? "" : "\n" + context()));
        string actual = File.ReadAllText(path);
        Assert.True(actual == expected, $"{path} contains '{actual}', expected '{expected}'" + (context is null ? "" : "\n" + context()));
    }

    /// <summary>
    /// Returns null when the tree at <paramref name="worktree"/> holds exactly the files of
    /// <paramref name="commit"/> in <paramref name="source"/> with the same contents, else a description
    /// of the first difference.
    /// </summary>
    public static string? DifferenceFromCommit(string worktree, TestRepo source, string commit)
    {
        IReadOnlyList<string> expected = source.Files(commit);
        List<string> actual = [.. Directory
            .EnumerateFiles(worktree, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(worktree, f))
            .Where(f => f != ".git" && !f.StartsWith(".git/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
        if (!expected.SequenceEqual(actual, StringComparer.Ordinal))
        {
            return $"files differ from {commit}: expected [{string.Join(", ", expected)}], found [{string.Join(", ", actual)}]";
        }

        foreach (string file in expected)
        {
            string want = source.ShowExact(commit, file);
            string have = File.ReadAllText(Path.Combine(worktree, file));
            if (want != have)
            {
                return $"{file} differs from {commit}: expected '{want}', found '{have}'";
            }
        }

        return null;
    }

    /// <summary>Asserts the published tree equals the commit's tree, file for file.</summary>
    public static void AssertMatchesCommit(string link, TestRepo source, string commit, Func<string>? context = null)
    {
        string? difference = DifferenceFromCommit(ResolvedTarget(link) ?? link, source, commit);
        Assert.True(difference is null, difference + (context is null ? "" : "\n" + context()));
    }

    /// <summary>Hashes of the worktree directories under <c>ROOT/.worktrees</c>.</summary>
    public static IReadOnlyList<string> Worktrees(string root)
    {
        string dir = Path.Combine(root, ".worktrees");
        return Directory.Exists(dir)
            ? [.. Directory.EnumerateDirectories(dir).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal)]
            : [];
    }

    /// <summary><c>git rev-list --count HEAD</c> in the link: the depth of the published history.</summary>
    public static int CommitCount(string link) => int.Parse(LocalGit.Output(link, "rev-list", "--count", "HEAD"), System.Globalization.CultureInfo.InvariantCulture);
}
