using System.Text;
using GitSync.Git;
using GitSync.Logging;
using GitSync.Sync;
using GitSync.Tests.Infrastructure;
using Xunit;

namespace GitSync.Tests.Sync;

/// <summary>
/// A root repo driven in-process through <see cref="Worktrees"/> the way the sync engine drives
/// it (build, "publish", retire the old tree), with its objects borrowed from a source repo
/// through git's alternates, so no fetch is needed. Log lines are kept for assertions.
/// </summary>
internal sealed class RecyclingRig : IDisposable
{
    private readonly TempDir _dir;
    private readonly MemoryStream _logStream = new();

    /// <summary>Options that build every tree fresh (no spare).</summary>
    public static readonly SyncOptions Fresh = new() { Repo = "", Root = "", Link = "", RecycleWorktrees = false };

    private readonly string _source;

    public RecyclingRig(string source, SyncOptions? template = null, string? name = null)
    {
        _source = source;
        _dir = TempDir.Create(name ?? "rig");
        Root = _dir.Combine("root");
        Directory.CreateDirectory(Root);
        LocalGit.Output(Root, "init", "--quiet", "-b", "git-sync");
        File.WriteAllText(Path.Combine(Root, ".git", "objects", "info", "alternates"), Path.Combine(source, ".git", "objects") + "\n");
        Options = (template ?? new SyncOptions { Repo = "unused", Root = "", Link = "" }) with { Root = Root, Link = Path.Combine(Root, "link"), Repo = "file://" + source };
        var log = new Log(2, _logStream);
        Git = new GitCli(LocalGit.Executable, new Dictionary<string, string>
        {
            ["GIT_CONFIG_NOSYSTEM"] = "true",
            ["GIT_CONFIG_COUNT"] = "1",
            ["GIT_CONFIG_KEY_0"] = "protocol.file.allow",
            ["GIT_CONFIG_VALUE_0"] = "always",
        }, log);
        Worktrees = new Worktrees(Options, Git, log, TimeProvider.System);
    }

    public string Root { get; }

    public SyncOptions Options { get; }

    public GitCli Git { get; }

    public Worktrees Worktrees { get; }

    /// <summary>The tree the last <see cref="PublishAsync"/> left "served".</summary>
    public string? Served { get; private set; }

    public string SparePath => Worktrees.Recycler.SparePath;

    /// <summary>Builds <paramref name="hash"/>, serves it, retires the old tree and proves the new spare, as the engine and loop do.</summary>
    public async Task<string> PublishAsync(string hash)
    {
        string tree = await Worktrees.BuildAsync(hash, replacingServedTree: false, CancellationToken.None);
        if (Served is not null && Served != tree)
        {
            Worktrees.MarkUnpublished(Served);
        }
        Served = tree;
        Worktrees.RemoveStale(tree);
        // As the loop does after its clean-up: check the new spare and start watching it.
        await Worktrees.Recycler.ProveSpareInBackground(Git, CancellationToken.None);
        return tree;
    }

    /// <summary>
    /// Builds <paramref name="hash"/> fresh (same sparse patterns, no recycling) in another root
    /// and asserts that this rig's tree for it holds the same, with HEAD at the hash.
    /// </summary>
    public async Task AssertLikeFreshAsync(string hash)
    {
        using var fresh = new RecyclingRig(_source, Fresh with { SparseCheckoutFile = Options.SparseCheckoutFile }, "reference");
        string reference = await fresh.PublishAsync(hash);
        AssertSame(reference, Worktrees.PathFor(hash), "compared with a fresh worktree");
        Assert.True(Worktrees.IsSound(Worktrees.PathFor(hash), hash));
    }

    public string LogText => Encoding.UTF8.GetString(_logStream.ToArray());

    public int Count(string message) => LogText.Split('\n').Count(l => l.Contains($"\"msg\":\"{message}\"", StringComparison.Ordinal));

    /// <summary>How many recycles updated the spare the given way ("changes only" or "full").</summary>
    public int Recycles(string update) => LogText.Split('\n').Count(l => l.Contains("\"msg\":\"recycling the spare worktree\"", StringComparison.Ordinal) && l.Contains($"\"update\":\"{update}\"", StringComparison.Ordinal));

    public void Dispose()
    {
        Worktrees.Recycler.DrainAsync().GetAwaiter().GetResult();
        _dir.Dispose();
    }

    /// <summary>
    /// Null when both trees hold the same paths with the same type, mode, content and symlink
    /// target (the top-level <c>.git</c> file aside); else the first difference.
    /// </summary>
    public static string? Difference(string expected, string actual)
    {
        var want = Snapshot(expected);
        var have = Snapshot(actual);
        foreach (var (path, entry) in want)
        {
            if (!have.TryGetValue(path, out var other))
            {
                return $"{path} missing";
            }
            if (other != entry)
            {
                return $"{path}: expected {entry}, found {other}";
            }
        }
        var extra = have.Keys.Except(want.Keys).Order(StringComparer.Ordinal).FirstOrDefault();
        return extra is null ? null : $"{extra} should not exist ({have[extra]})";
    }

    private static SortedDictionary<string, string> Snapshot(string root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(string dir)
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
            {
                string relative = Path.GetRelativePath(root, entry);
                if (relative == ".git")
                {
                    continue;
                }
                var info = new FileInfo(entry);
                if (info.LinkTarget is { } target)
                {
                    result[relative] = "symlink -> " + target;
                }
                else if (Directory.Exists(entry))
                {
                    result[relative] = "dir " + File.GetUnixFileMode(entry);
                    Walk(entry);
                }
                else
                {
                    result[relative] = $"file {File.GetUnixFileMode(entry)} {Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(File.ReadAllBytes(entry)))}";
                }
            }
        }
        Walk(root);
        return result;
    }

    public static void AssertSame(string expected, string actual, string context)
    {
        string? difference = Difference(expected, actual);
        Assert.True(difference is null, $"{context}: {difference}");
    }
}
