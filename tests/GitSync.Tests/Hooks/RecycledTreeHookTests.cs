using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Hooks;

/// <summary>
/// Hooks run on a recycled tree exactly as on a fresh one: the pre-publish gate finds the tree
/// complete and clean (nothing left of what earlier hooks wrote into it), the exec hook finds
/// every tracked file as committed.
/// </summary>
public sealed class RecycledTreeHookTests(ITestOutputHelper output) : HookTest(output)
{
    [Fact]
    public async Task Pre_publish_gate_and_exec_hook_see_complete_trees_when_recycling()
    {
        using TestRepo repo = NewRepo();
        repo.Commit(new Dictionary<string, string> { [".gitignore"] = "*.log\nbuild/\n", ["counter"] = "0", ["dir/data"] = "data 0\n" });
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        TempDir logs = NewDir("log");
        string gateLog = logs.Combine("gate");
        string hookLog = logs.Combine("hook");
        // Each hook checks what it sees, then litters the tree the way real hooks do: an
        // untracked file, ignored files, an edit to a tracked file.
        const string Check = """
            head=$(git rev-parse HEAD)
            [ "$head" = "$GITSYNC_HASH" ] || { echo "BAD head $head for $GITSYNC_HASH" >> "$LOG"; exit 1; }
            [ "$(cat counter)" = "$(git show "$GITSYNC_HASH:counter")" ] || { echo "BAD counter for $GITSYNC_HASH" >> "$LOG"; exit 1; }
            [ "$(cat dir/data)" = "$(git show "$GITSYNC_HASH:dir/data")" ] || { echo "BAD data for $GITSYNC_HASH" >> "$LOG"; exit 1; }
            """;
        const string Litter = """
            echo litter > "hook-added-$$"
            echo ignored > run.log
            mkdir -p build/out && echo ignored > build/out/file
            echo edited >> dir/data
            """;
        string gate = Script("LOG='" + gateLog + "'\n" + Check + "\n" + """
            status=$(git status --porcelain --ignored --untracked-files=all)
            [ -z "$status" ] || { echo "DIRTY $GITSYNC_HASH: $status" >> "$LOG"; exit 1; }
            """ + "\n" + Litter + "\necho \"OK $GITSYNC_HASH\" >> \"$LOG\"\n", "gate.sh");
        // The exec hook runs after the gate littered the same tree: only tracked content is checked.
        string hook = Script("LOG='" + hookLog + "'\nsleep 0.1\n" + Check.Replace("dir/data)\" = \"$(git show \"$GITSYNC_HASH:dir/data\")", "dir/data | head -n 1)\" = \"$(git show \"$GITSYNC_HASH:dir/data\")", StringComparison.Ordinal) + "\necho \"OK $GITSYNC_HASH\" >> \"$LOG\"\n", "hook.sh");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "-v", "2",
            "--pre-publish-exechook-command=" + gate, "--exechook-command=" + hook));
        await WaitForHashAsync(p, link, repo.Head);
        var hashes = new List<string> { repo.Head };
        for (int n = 1; n <= 5; n++)
        {
            string hash = repo.Commit(new Dictionary<string, string> { ["counter"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture), ["dir/data"] = $"data {n}\n" });
            hashes.Add(hash);
            await WaitForHashAsync(p, link, hash);
            await Poll.UntilAsync(() => Lines(hookLog).Contains("OK " + hash), "the exec hook ran on " + hash,
                () => string.Join("\n", Lines(hookLog)) + "\n" + p.Diagnostics());
        }

        Assert.True(Lines(gateLog).All(l => l.StartsWith("OK ", StringComparison.Ordinal)), string.Join("\n", Lines(gateLog)) + "\n" + p.Diagnostics());
        Assert.True(Lines(hookLog).All(l => l.StartsWith("OK ", StringComparison.Ordinal)), string.Join("\n", Lines(hookLog)) + "\n" + p.Diagnostics());
        Assert.All(hashes, h => Assert.Contains("OK " + h, Lines(gateLog)));
        int recycled = p.StderrLines.Count(l => l.Contains("\"msg\":\"recycling the spare worktree\"", StringComparison.Ordinal));
        Assert.True(recycled >= 4, $"only {recycled} of 5 updates recycled a tree\n{p.Diagnostics()}");
    }
}
