using GitSync.Git;

namespace GitSync.Sync;

/// <summary>What <c>--git-gc</c> runs after stale worktrees are removed.</summary>
internal enum GcMode
{
    Auto,
    Always,
    Aggressive,
    Off,
}

/// <summary>What <c>--submodules</c> does in each new worktree.</summary>
internal enum SubmoduleMode
{
    Recursive,
    Shallow,
    Off,
}

/// <summary>
/// What is synced and where it goes: the repository and ref, the root, the link, and how each
/// tree is fetched, checked out and cleaned up. Paths are absolute.
/// </summary>
internal sealed record SyncOptions
{
    public required string Repo { get; init; }
    public required string Root { get; init; }
    public GitRef Ref { get; init; } = GitRef.Head;
    /// <summary><c>--ref-semver</c>: follow the newest tag in this range instead of <see cref="Ref"/>.</summary>
    public SemverRange? RefSemver { get; init; }
    /// <summary>Absolute path of the link (may be outside the root).</summary>
    public required string Link { get; init; }
    public int Depth { get; init; } = 1;
    public SubmoduleMode Submodules { get; init; } = SubmoduleMode.Recursive;
    public string? SparseCheckoutFile { get; init; }
    public string? Filter { get; init; }
    public GcMode GitGc { get; init; } = GcMode.Always;
    public TimeSpan StaleWorktreeTimeout { get; init; } = TimeSpan.Zero;
    /// <summary><c>--publish</c>: a symlink to the worktree, or a plain copy at <see cref="Link"/>.</summary>
    public PublishMode Publish { get; init; } = PublishMode.Link;
    /// <summary><c>--marker-file</c>, absolute: replaced after each publish with the live hash.</summary>
    public string? MarkerFile { get; init; }
    /// <summary>Build each new revision by updating the previous tree in place (see <see cref="TreeRecycler"/>).</summary>
    public bool RecycleWorktrees { get; init; } = true;

}

/// <summary>
/// When syncs run and what the loop reports: periods (init values default to the steady-state
/// ones), the sync timeout, failure budgets, the sync signal, and the touch and error files.
/// </summary>
internal sealed record LoopOptions
{
    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan InitPeriod { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan SyncTimeout { get; init; } = TimeSpan.FromSeconds(120);
    public bool OneTime { get; init; }
    public int MaxFailures { get; init; }
    public int InitMaxFailures { get; init; }
    public int? SyncSignal { get; init; }
    public string? TouchFile { get; init; }
    public string? ErrorFile { get; init; }

    /// <summary>The longest the loop waits between syncs, in either phase.</summary>
    public TimeSpan LongestWait => Period > InitPeriod ? Period : InitPeriod;
}
