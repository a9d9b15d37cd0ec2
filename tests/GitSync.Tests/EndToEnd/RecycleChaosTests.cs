using System.Diagnostics;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>
/// SIGKILL at random instants while every update recycles the previous tree: the link always
/// resolves to a complete tree matching its hash, and a restart converges.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class RecycleChaosTests(ITestOutputHelper output) : EndToEndTest(output)
{
    private const int Kills = 25;

    [Fact]
    public async Task Link_stays_on_a_complete_tree_when_killed_while_recycling()
    {
        using TestRepo repo = NewRepo();
        // Enough files that a recycle (reset, clean, verify) spans a kill window or two.
        var initial = Enumerable.Range(0, 200).ToDictionary(i => $"d{i % 10}/f{i}", i => $"file {i}\n");
        initial[".gitignore"] = "*.log\n";
        repo.Commit(initial);
        repo.Commit(Files(0));
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string[] args = Args(repo, root, "--link=link", "--period=10ms", "--max-failures=-1", "-v", "2");
        var random = new Random(Environment.TickCount);
        var clock = Stopwatch.StartNew();

        using var stopCommitting = new CancellationTokenSource();
        Task committer = Task.Run(async () =>
        {
            for (int n = 1; !stopCommitting.IsCancellationRequested; n++)
            {
                repo.Commit(Files(n));
                await Task.Delay(60, CancellationToken.None);
            }
        });

        int recycles = 0;
        bool published = false;
        try
        {
            for (int kill = 1; kill <= Kills; kill++)
            {
                GitSyncProcess p = Start(args);
                if (kill % 3 != 0)
                {
                    // Aim at a recycle: wait until one starts, then kill a random instant into it.
                    var deadline = Stopwatch.StartNew();
                    while (deadline.Elapsed < TimeSpan.FromSeconds(20) && !p.HasExited
                        && !p.StderrLines.Any(l => l.Contains("\"msg\":\"recycling the spare worktree\"", StringComparison.Ordinal)))
                    {
                        await Task.Delay(5);
                    }
                    await Task.Delay(random.Next(0, 301));
                }
                else
                {
                    await Task.Delay(random.Next(200, 3001));
                }
                Assert.False(p.HasExited, $"git-sync exited on its own before kill {kill}\n{p.Diagnostics()}");
                // Litter the served tree as a consumer would: it must not survive a recycle.
                if (Layout.ResolvedTarget(link) is { } served && Directory.Exists(served))
                {
                    try
                    {
                        File.WriteAllText(Path.Combine(served, $"consumer-{kill}.log"), "ignored");
                        File.WriteAllText(Path.Combine(served, $"consumer-{kill}"), "untracked");
                    }
                    catch (IOException)
                    {
                        // The tree was just retired.
                    }
                }
                p.Kill();
                recycles += p.StderrLines.Count(l => l.Contains("\"msg\":\"recycling the spare worktree\"", StringComparison.Ordinal));

                string? hash = Layout.PublishedHash(link);
                if (hash is null)
                {
                    Assert.False(published, $"after kill {kill} the link is gone, but it had been published before\n{p.Diagnostics()}");
                    continue;
                }
                published = true;
                string? problem = Check(link, repo, hash);
                Assert.True(problem is null, $"after kill {kill} at {clock.Elapsed.TotalSeconds:0.0}s: {problem}\n{p.Diagnostics()}");
            }
        }
        finally
        {
            await stopCommitting.CancelAsync();
            await committer;
        }

        Output.WriteLine($"{Kills} kills in {clock.Elapsed.TotalSeconds:0.0}s; {recycles} recycles started");
        Assert.True(recycles > 0, "no update recycled a tree: the test did not test recycling");

        string head = repo.Head;
        GitSyncProcess last = Start(args);
        await WaitForHashAsync(last, link, head);
        Layout.AssertPublished(link, head, last.Diagnostics);
        Assert.True(Check(link, repo, head) is null, Check(link, repo, head) + "\n" + last.Diagnostics());
        // Converged: one more update recycles again.
        string next = repo.Commit(Files(100000));
        await WaitForHashAsync(last, link, next);
        Assert.True(Check(link, repo, next) is null, Check(link, repo, next) + "\n" + last.Diagnostics());
        await Poll.UntilAsync(
            () => last.StderrLines.Any(l => l.Contains("\"msg\":\"recycling the spare worktree\"", StringComparison.Ordinal)),
            "the restarted git-sync recycles", last.Diagnostics);
    }

    private static Dictionary<string, string> Files(int n) => new()
    {
        ["counter"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"d{n % 10}/f{n % 200}"] = $"changed in commit {n}\n",
    };

    /// <summary>Null when the link names a complete tree at that hash, with nothing else in it; else what is wrong.</summary>
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
        // Consumers may have littered the served tree since (top-level consumer-* files); all
        // else must be exactly the commit.
        IReadOnlyList<string> expected = repo.Files(hash);
        List<string> actual = [.. Directory.EnumerateFiles(worktree, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(worktree, f))
            .Where(f => f != ".git" && !f.StartsWith("consumer-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
        if (!expected.SequenceEqual(actual, StringComparer.Ordinal))
        {
            return $"files differ from {hash}: expected [{string.Join(", ", expected)}], found [{string.Join(", ", actual)}]";
        }
        foreach (string file in expected)
        {
            if (repo.ShowExact(hash, file) != File.ReadAllText(Path.Combine(worktree, file)))
            {
                return $"{file} differs from {hash}";
            }
        }
        GitResult status = LocalGit.Run(worktree, "status", "--porcelain", "--untracked-files=no");
        return status.Succeeded && status.Stdout.Trim().Length == 0 ? null : "tracked files differ: " + LocalGit.Describe(status);
    }
}
