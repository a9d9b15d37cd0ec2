using System.Diagnostics;
using System.Globalization;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>
/// SIGKILL while copy mode updates its directory: no published file is ever partial, the marker
/// never names a revision the directory does not hold exactly, and a restart converges on the
/// source's head. Each round commits once, starts git-sync, and kills it a few milliseconds
/// after its journal names the new commit (the update has begun), so the kills land in the
/// update window however slow the machine is; a restart then finishes the interrupted updates
/// (their change sets pile up in the journal until it walks the whole tree).
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class CopyChaosTests(ITestOutputHelper output) : EndToEndTest(output)
{
    private const int Kills = 24;

    /// <summary>Large enough that an update takes a while to write.</summary>
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
        for (int i = 0; i < 4; i++)
        {
            files[$"big/{i}"] = Data(n + i);
        }
        return repo.Commit(files);
    }

    [Fact]
    public async Task Copy_never_shows_a_partial_file_or_a_marker_ahead_of_its_content_across_kills_during_updates()
    {
        using TestRepo repo = NewRepo();
        string start = CommitNumber(repo, 0);
        string root = NewDir().Path;
        string site = Path.Combine(root, "site");
        string marker = Path.Combine(root, "published");
        string journal = Path.Combine(root, ".site.git-sync-publish");
        string[] args = Args(repo, root, "--link=site", "--publish=copy", "--marker-file=published", "--period=10ms", "--max-failures=-1");
        var random = new Random(Environment.TickCount);
        var clock = Stopwatch.StartNew();

        // One complete publish first, so the kills land on updates of a published copy. How long
        // its copy took (journal naming the commit to marker written) sets how late a kill may come.
        GitSyncProcess first = Start(args);
        await Poll.UntilAsync(() => Names(journal, start), "the first copy begins", first.Diagnostics);
        var copying = Stopwatch.StartNew();
        await Poll.UntilAsync(() => File.Exists(marker), "the first publish", first.Diagnostics);
        int window = Math.Max(4, (int)(copying.ElapsedMilliseconds * 3 / 2));
        first.Kill();
        int midUpdate = 0;
        for (int kill = 1; kill <= Kills; kill++)
        {
            string next = CommitNumber(repo, kill);
            GitSyncProcess p = Start(args);
            await KillOnceUpdatingAsync(p, journal, next, random.Next(0, window));
            bool withdrawn = !File.Exists(marker);

            string? partial = PartialFile(site);
            Assert.True(partial is null, $"after kill {kill}: {partial}\n{p.Diagnostics()}");
            if (!withdrawn)
            {
                string hash = File.ReadAllLines(marker)[0];
                string? difference = CopyLayout.DifferenceFromCommit(site, repo, hash);
                Assert.True(difference is null, $"after kill {kill} the marker names {hash}, but: {difference}\n{p.Diagnostics()}");
            }
            else
            {
                midUpdate++;
            }
        }

        Output.WriteLine($"{Kills} kills in {clock.Elapsed.TotalSeconds:0.0}s, each up to {window} ms into an update; {midUpdate} with the marker withdrawn (update under way)");
        Assert.True(midUpdate > 0, $"none of {Kills} kills landed while an update was under way");

        string head = repo.Head;
        GitSyncProcess last = Start(args);
        await Poll.UntilAsync(() => File.Exists(marker) && File.ReadAllLines(marker)[0] == head, "the marker names the head", last.Diagnostics);
        string? final = CopyLayout.DifferenceFromCommit(site, repo, head);
        Assert.True(final is null, final + "\n" + last.Diagnostics());
    }

    /// <summary>
    /// Waits (polling every millisecond or so) until the journal names <paramref name="hash"/>:
    /// git-sync has withdrawn the marker and is updating the directory towards it. Then
    /// SIGKILL, <paramref name="delay"/> milliseconds later.
    /// </summary>
    private static async Task KillOnceUpdatingAsync(GitSyncProcess p, string journal, string hash, int delay)
    {
        var deadline = Stopwatch.StartNew();
        while (!Names(journal, hash))
        {
            Assert.False(p.HasExited, $"git-sync exited on its own\n{p.Diagnostics()}");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(120), $"git-sync never started updating the copy to {hash}\n{p.Diagnostics()}");
            await Task.Delay(1);
        }

        if (delay > 0)
        {
            await Task.Delay(delay);
        }

        p.Kill();
    }

    private static bool Names(string journal, string hash)
    {
        try
        {
            return File.ReadAllText(journal).Contains(hash, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
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
