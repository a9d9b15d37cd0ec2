namespace GitSync.Tests.Infrastructure;

/// <summary>
/// A real source repository in a temp dir, built with the git CLI, that git-sync syncs from.
/// <code>using var repo = TestRepo.Create(branch: "e2e-branch"); string h = repo.Commit("file", "v1");</code>
/// </summary>
public sealed class TestRepo : IDisposable
{
    private readonly TempDir _dir;
    private int _commits;

    private TestRepo(TempDir dir, string path)
    {
        _dir = dir;
        Path = path;
    }

    /// <summary>Absolute path of the working tree (its last element is <see cref="Name"/>).</summary>
    public string Path { get; }

    public string Name => System.IO.Path.GetFileName(Path);

    public string Url => "file://" + Path;

    public string Head => RevParse("HEAD");

    /// <summary>Name of the checked-out branch.</summary>
    public string CurrentBranch => Git("symbolic-ref", "--short", "HEAD");

    /// <summary>
    /// Creates a repository whose initial (and default) branch is <paramref name="branch"/>.
    /// <paramref name="name"/> is the directory name, i.e. the default link name git-sync derives.
    /// </summary>
    public static TestRepo Create(string branch = "main", string name = "repo")
    {
        TempDir dir = TempDir.Create("src");
        string path = dir.Combine(name);
        Directory.CreateDirectory(path);
        LocalGit.Output(path, "init", "--quiet", "--initial-branch=" + branch);
        return new TestRepo(dir, path);
    }

    /// <summary>Writes <paramref name="file"/> (relative, parent dirs created) and commits it; returns the full hash.</summary>
    public string Commit(string file, string content, string? message = null) =>
        Commit(new Dictionary<string, string> { [file] = content }, message);

    /// <summary>Writes several files in one commit; returns the full hash.</summary>
    public string Commit(IReadOnlyDictionary<string, string> files, string? message = null)
    {
        foreach ((string file, string content) in files)
        {
            string full = System.IO.Path.Combine(Path, file);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }

        int number = Interlocked.Increment(ref _commits);
        Git("add", "--all");
        Git("commit", "--quiet", "--allow-empty", "-m", message ?? $"commit {number}: {string.Join(", ", files.Keys)}");
        return Head;
    }

    /// <summary>Deletes a file and commits; returns the full hash.</summary>
    public string Remove(string file)
    {
        Git("rm", "--quiet", file);
        Git("commit", "--quiet", "-m", "remove " + file);
        return Head;
    }

    /// <summary>Creates (or with <paramref name="force"/> moves) a branch at <paramref name="at"/> without checking it out.</summary>
    public TestRepo Branch(string name, string at = "HEAD", bool force = false)
    {
        if (force)
        {
            Git("branch", "--force", name, at);
        }
        else
        {
            Git("branch", name, at);
        }

        return this;
    }

    public TestRepo Checkout(string name, bool create = false)
    {
        if (create)
        {
            Git("checkout", "--quiet", "-b", name);
        }
        else
        {
            Git("checkout", "--quiet", name);
        }

        return this;
    }

    /// <summary>Tags HEAD (or <paramref name="at"/>); returns the COMMIT hash the tag names.</summary>
    public string Tag(string name, bool annotated = false, string at = "HEAD", bool force = false)
    {
        var args = new List<string> { "tag" };
        if (force)
        {
            args.Add("--force");
        }

        if (annotated)
        {
            args.AddRange(["--annotate", "-m", "tag " + name]);
        }

        args.Add(name);
        args.Add(at);
        Git([.. args]);
        return RevParse(name + "^{commit}");
    }

    /// <summary>Points the repository's HEAD (its default branch for clients) at another branch.</summary>
    public TestRepo SetDefaultBranch(string branch)
    {
        Git("symbolic-ref", "HEAD", "refs/heads/" + branch);
        return this;
    }

    /// <summary><c>git reset --hard</c>; returns the new HEAD.</summary>
    public string ResetHard(string to)
    {
        Git("reset", "--quiet", "--hard", to);
        return Head;
    }

    public string RevParse(string rev) => Git("rev-parse", "--verify", "--quiet", rev);

    /// <summary>Content of <paramref name="file"/> at <paramref name="commit"/>.</summary>
    public string Show(string commit, string file) => Git("show", commit + ":" + file);

    /// <summary>Paths of all files in <paramref name="commit"/>, sorted.</summary>
    public IReadOnlyList<string> Files(string commit) =>
        [.. Git("ls-tree", "-r", "--name-only", commit)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Order(StringComparer.Ordinal)];

    /// <summary>Raw bytes of <paramref name="file"/> at <paramref name="commit"/> (untrimmed, unlike <see cref="Show"/>).</summary>
    public string ShowExact(string commit, string file)
    {
        GitResult result = LocalGit.Run(Path, "cat-file", "blob", commit + ":" + file);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"git cat-file {commit}:{file}: {LocalGit.Describe(result)}");
        }

        return result.Stdout;
    }

    public string Git(params string[] args) => LocalGit.Output(Path, args);

    public override string ToString() => Url;

    public void Dispose() => _dir.Dispose();
}
