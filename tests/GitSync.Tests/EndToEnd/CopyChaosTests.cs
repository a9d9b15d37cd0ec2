using System.Diagnostics;
using System.Globalization;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>
/// SIGKILL at random instants while copy mode updates its directory: no published file is ever
/// partial, the marker never names a revision the directory does not hold exactly, and a
/// restart converges on the source's head.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class CopyChaosTests(ITestOutputHelper output) : EndToEndTest(output)
{
    private const int Kills = 30;

    /// <summary>Large enough that a kill often lands while it is being written.</summary>
    private static string Data(int n) => $"begin {n}\n" + new string('x', 300_000) + $"\nend {n}\n";

    /// <summary>
    /// Commit n: changed contents, a file that is a directory in every other commit, and files
    /// that come and go, so updates write, replace and delete.
    /// </summary>
    private static string CommitNumber(TestRepo repo, int n)
    {
        string toggle = Path.Combine(repo.Path, "toggle");
        if (File.Exists(toggle))
        {
            File.Delete(toggle);
        }
        else if (Directory.Exists(toggle))
        {
            Directory.Delete(toggle, recursive: true);
        }

        foreach (string stale in Directory.EnumerateFiles(repo.Path, "extra-*"))
        {
            File.Delete(stale);
        }

        string number = n.ToString(CultureInfo.InvariantCulture);
        var files = new Dictionary<string, string>
        {
            ["counter"] = number,
            ["dir/data"] = Data(n),
            ["dir/sub/more"] = Data(n + 1),
            [n % 2 == 0 ? "toggle" : "toggle/inner"] = Data(n),
            [$"extra-{n % 5}"] = number,
        };
        return repo.Commit(files);
    }

    [Fact]
    public async Task Copy_never_shows_a_partial_file_or_a_marker_ahead_of_its_content_across_random_kills()
    {
        using TestRepo repo = NewRepo();
        CommitNumber(repo, 0);
        string root = NewDir().Path;
        string site = Path.Combine(root, "site");
        string marker = Path.Combine(root, "published");
        string[] args = Args(repo, root, "--link=site", "--publish=copy", "--marker-file=published", "--period=10ms", "--max-failures=-1");
        var random = new Random(Environment.TickCount);
        var clock = Stopwatch.StartNew();

        using var stopCommitting = new CancellationTokenSource();
        Task committer = Task.Run(async () =>
        {
            for (int n = 1; !stopCommitting.IsCancellationRequested; n++)
            {
                CommitNumber(repo, n);
                await Task.Delay(50, CancellationToken.None);
            }
        });

        int marked = 0;
        int partialUpdates = 0;
        try
        {
            // One complete publish first, so kills also land on updates of a published copy
            // (however slow the machine is to start).
            GitSyncProcess first = Start(args);
            await Poll.UntilAsync(() => File.Exists(marker), "the first publish", first.Diagnostics);
            first.Kill();
            for (int kill = 1; kill <= Kills; kill++)
            {
                GitSyncProcess p = Start(args);
                await Task.Delay(random.Next(0, 1001));
                Assert.False(p.HasExited, $"git-sync exited on its own before kill {kill}\n{p.Diagnostics()}");
                p.Kill();

                string? partial = PartialFile(site);
                Assert.True(partial is null, $"after kill {kill}: {partial}\n{p.Diagnostics()}");
                if (File.Exists(marker))
                {
                    string hash = File.ReadAllLines(marker)[0];
                    string? difference = CopyLayout.DifferenceFromCommit(site, repo, hash);
                    Assert.True(difference is null, $"after kill {kill} the marker names {hash}, but: {difference}\n{p.Diagnostics()}");
                    marked++;
                }
                else if (Directory.Exists(site))
                {
                    partialUpdates++;
                }
            }
        }
        finally
        {
            await stopCommitting.CancelAsync();
            await committer;
        }

        Output.WriteLine($"{Kills} kills in {clock.Elapsed.TotalSeconds:0.0}s; marker present after {marked}, withdrawn (update under way) after {partialUpdates}");

        string head = repo.Head;
        GitSyncProcess last = Start(args);
        await Poll.UntilAsync(() => File.Exists(marker) && File.ReadAllLines(marker)[0] == head, "the marker names the head", last.Diagnostics);
        string? final = CopyLayout.DifferenceFromCommit(site, repo, head);
        Assert.True(final is null, final + "\n" + last.Diagnostics());
    }

    /// <summary>The first published file that is not whole (temporary names aside), or null.</summary>
    private static string? PartialFile(string site)
    {
        if (!Directory.Exists(site))
        {
            return null;
        }

        foreach (string file in Directory.EnumerateFiles(site, "*", SearchOption.AllDirectories))
        {
            string name = Path.GetFileName(file);
            if (name.StartsWith(CopyLayout.TempPrefix, StringComparison.Ordinal) || name is "counter" || name.StartsWith("extra-", StringComparison.Ordinal))
            {
                continue;
            }

            string text = File.ReadAllText(file);
            string first = text.Split('\n')[0];
            if (!first.StartsWith("begin ", StringComparison.Ordinal) || !int.TryParse(first[6..], CultureInfo.InvariantCulture, out int n) || text != Data(n))
            {
                return $"{Path.GetRelativePath(site, file)} is partial ({text.Length} chars, starting '{first}')";
            }
        }

        return null;
    }
}
