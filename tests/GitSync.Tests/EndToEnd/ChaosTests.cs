using System.Diagnostics;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>Runs alone: it is timing-heavy and would disturb (and be disturbed by) parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChaosCollection
{
    public const string Name = "Chaos";
}

/// <summary>SIGKILL at random instants while the branch keeps moving: the link is never broken.</summary>
[Collection(ChaosCollection.Name)]
public sealed class ChaosTests(ITestOutputHelper output) : EndToEndTest(output)
{
    private const int Kills = 55;

    [Fact]
    public async Task Link_always_resolves_to_a_complete_worktree_across_random_kills()
    {
        using TestRepo repo = NewRepo();
        repo.Commit(Files(0));
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string[] args = Args(repo, root, "--link=link", "--period=10ms", "--max-failures=-1");
        var random = new Random(Environment.TickCount);
        var clock = Stopwatch.StartNew();

        // A commit every ~50 ms, until told to stop. Two files change per commit, so a tree mixed
        // from two commits is detectable.
        using var stopCommitting = new CancellationTokenSource();
        Task committer = Task.Run(async () =>
        {
            for (int n = 1; !stopCommitting.IsCancellationRequested; n++)
            {
                repo.Commit(Files(n));
                await Task.Delay(50, CancellationToken.None);
            }
        });

        bool published = false;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            // The first run is killed only once it has published: later kills then land on updates
            // over a served tree, and how long that took sets the kill window, so a slow machine
            // still sees kills before, during and after a publish (400 ms on a quiet one).
            var firstRun = Stopwatch.StartNew();
            GitSyncProcess first = Start(args);
            await Poll.UntilAsync(() => Layout.PublishedHash(link) is not null, TimeSpan.FromMinutes(2), "the first publish", first.Diagnostics);
            int window = Math.Max(400, (int)(firstRun.ElapsedMilliseconds * 3 / 2));
            first.Kill();
            Output.WriteLine($"first publish after {firstRun.ElapsedMilliseconds} ms; kills within {window} ms of each start");

            for (int kill = 1; kill <= Kills; kill++)
            {
                GitSyncProcess p = Start(args);
                await Task.Delay(random.Next(0, window + 1));
                Assert.False(p.HasExited, $"git-sync exited on its own before kill {kill}\n{p.Diagnostics()}");
                p.Kill();

                string? hash = Layout.PublishedHash(link);
                if (hash is null)
                {
                    Assert.False(published, $"after kill {kill} the link is gone, but it had been published before\n{p.Diagnostics()}");
                    Assert.True(Layout.IsAbsent(link), $"after kill {kill} something that is not a symlink is at {link}");
                    continue;
                }

                published = true;
                seen.Add(hash);
                string? problem = Check(link, repo, hash);
                Assert.True(problem is null, $"after kill {kill} at {clock.Elapsed.TotalSeconds:0.0}s: {problem}\n{p.Diagnostics()}");
            }
        }
        finally
        {
            await stopCommitting.CancelAsync();
            await committer;
        }

        Assert.True(published, "in 55 runs git-sync never published anything");
        Output.WriteLine($"{Kills} kills in {clock.Elapsed.TotalSeconds:0.0}s; {seen.Count} distinct hashes seen published after a kill");

        // Left alone, it converges on the source's head.
        string head = repo.Head;
        GitSyncProcess last = Start(args);
        await WaitForHashAsync(last, link, head);
        Layout.AssertPublished(link, head, last.Diagnostics);
        Layout.AssertMatchesCommit(link, repo, head, last.Diagnostics);
    }

    private static Dictionary<string, string> Files(int n) => new()
    {
        ["counter"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["dir/data"] = $"data for commit {n}\n",
    };

    /// <summary>Null when the link names a complete worktree at that hash; else what is wrong.</summary>
    private static string? Check(string link, TestRepo repo, string hash)
    {
        string? target = Layout.TargetOf(link);
        if (target is null || Path.IsPathRooted(target))
        {
            return $"link target '{target}' is not relative";
        }

        string worktree = Layout.ResolvedTarget(link)!;
        if (!Directory.Exists(worktree))
        {
            return $"link points at {target}, which does not exist";
        }

        GitResult head = LocalGit.Run(worktree, "rev-parse", "HEAD");
        if (!head.Succeeded || head.Stdout.Trim() != hash)
        {
            return $"link names {hash} but git rev-parse HEAD there gives: {LocalGit.Describe(head)}";
        }

        return Layout.DifferenceFromCommit(worktree, repo, hash);
    }
}
