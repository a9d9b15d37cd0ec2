using GitSync.Tests.Infrastructure;

namespace GitSync.Tests.Shapes;

/// <summary>Waiting for a running git-sync to finish what it is doing (its clean-up and gc run after the link moves).</summary>
public static class Idle
{
    /// <summary>
    /// Waits until git-sync logs a later "update not required": a whole loop ran after the state
    /// seen now, so the clean-up (worktree removal, gc) of the loop that published it is done.
    /// Needs <c>-v 3</c> or more.
    /// </summary>
    public static Task UntilPolledAgainAsync(GitSyncProcess process)
    {
        int seen = process.StderrLines.Count;
        return Poll.UntilAsync(
            () => process.StderrLines.Skip(seen).Any(l => l.Contains("\"update not required\"", StringComparison.Ordinal)),
            "git-sync finishes its clean-up and polls again",
            process.Diagnostics);
    }
}
