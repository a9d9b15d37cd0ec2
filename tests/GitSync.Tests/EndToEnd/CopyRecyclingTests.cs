using System.Globalization;
using GitSync.Tests.Hooks;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>
/// <c>--publish=copy</c> with <c>--recycle-worktrees</c> (the default): each new revision is
/// built in the recycled spare tree, and the gate, the exec hook and the metrics work as in
/// link mode. What the gate leaves in the tree it checked (untracked and ignored files) never
/// reaches the copy, and the copy equals every commit.
/// </summary>
public sealed class CopyRecyclingTests(ITestOutputHelper output) : HookTest(output)
{
    private const string SyncCount = "git_sync_count_total";

    private static string Marker(string path) => File.Exists(path) ? File.ReadAllLines(path)[0] : "";

    [Fact]
    public async Task Copy_updates_built_in_the_recycled_spare_equal_each_commit_with_gate_hook_and_metrics_unchanged()
    {
        using TestRepo repo = NewRepo();
        repo.Commit(new Dictionary<string, string> { [".gitignore"] = "*.log\n", ["counter"] = "0", ["dir/data"] = "data 0\n", ["gone"] = "soon\n" });
        string root = NewDir().Path;
        string site = Path.Combine(root, "site");
        string marker = Path.Combine(root, "published");
        TempDir logs = NewDir("log");
        string gateLog = logs.Combine("gate");
        string hookLog = logs.Combine("hook");
        // The gate sees a clean tree at exactly the candidate commit, then litters it.
        string gate = Script("LOG='" + gateLog + "'\n" + """
            [ "$(git rev-parse HEAD)" = "$GITSYNC_HASH" ] || { echo "BAD head for $GITSYNC_HASH" >> "$LOG"; exit 1; }
            status=$(git status --porcelain --ignored --untracked-files=all)
            [ -z "$status" ] || { echo "DIRTY $GITSYNC_HASH: $status" >> "$LOG"; exit 1; }
            echo litter > "gate-added-$$"
            echo ignored > run.log
            echo "OK $GITSYNC_HASH" >> "$LOG"
            """, "gate.sh");
        string hook = Script("echo \"OK $GITSYNC_HASH\" >> '" + hookLog + "'\n", "hook.sh");
        int port = Ports.Free();

        GitSyncProcess p = Start(Args(repo, root, "--link=site", "--publish=copy", "--marker-file=published", "--period=100ms", "-v", "2",
            "--pre-publish-exechook-command=" + gate, "--exechook-command=" + hook, $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        var hashes = new List<string> { repo.Head };
        await Poll.UntilAsync(() => Marker(marker) == repo.Head, "the first publish", p.Diagnostics);

        // A changed file, a removed one, a new directory, a mode change, a file replaced by a directory.
        var updates = new List<Func<string>>
        {
            () => repo.Commit(new Dictionary<string, string> { ["counter"] = "1", ["dir/data"] = "data 1\n" }),
            () => repo.Remove("gone"),
            () => repo.Commit("new/deep/file", "new\n"),
            () =>
            {
                File.SetUnixFileMode(Path.Combine(repo.Path, "counter"), (UnixFileMode)0x1ED);
                return repo.Commit("counter", "2");
            },
            () =>
            {
                repo.Git("rm", "--quiet", "dir/data");
                return repo.Commit("dir/data/inside", "now a directory\n");
            },
        };
        foreach (Func<string> update in updates)
        {
            string hash = update();
            hashes.Add(hash);
            await Poll.UntilAsync(() => Marker(marker) == hash, "the copy of " + hash, p.Diagnostics);
            string? difference = CopyLayout.DifferenceFromCommit(site, repo, hash);
            Assert.True(difference is null, difference + "\n" + p.Diagnostics());
            await Poll.UntilAsync(() => Lines(hookLog).Contains("OK " + hash), "the exec hook ran on " + hash,
                () => string.Join("\n", Lines(hookLog)) + "\n" + p.Diagnostics());
        }

        Assert.True(Lines(gateLog).All(l => l.StartsWith("OK ", StringComparison.Ordinal)), string.Join("\n", Lines(gateLog)) + "\n" + p.Diagnostics());
        Assert.All(hashes, h => Assert.Contains("OK " + h, Lines(gateLog)));
        int recycled = p.StderrLines.Count(l => l.Contains("\"msg\":\"recycling the spare worktree\"", StringComparison.Ordinal));
        Assert.True(recycled >= updates.Count - 1, $"only {recycled} of {updates.Count} updates recycled a tree\n{p.Diagnostics()}");
        IReadOnlyDictionary<string, double> metrics = await MetricsScraper.ScrapeAsync(port);
        double successes = MetricsScraper.Value(metrics, SyncCount, "status=\"success\"");
        Assert.True(successes >= hashes.Count, $"{SyncCount}{{status=\"success\"}} is {successes.ToString(CultureInfo.InvariantCulture)}, {hashes.Count} publishes\n{p.Diagnostics()}");
    }
}
