using GitSync.Git;
using GitSync.Logging;

namespace GitSync.Sync;

/// <summary>How <c>--publish</c> hands a revision to consumers.</summary>
internal enum PublishMode
{
    /// <summary>A symlink swapped atomically to the worktree (the default, upstream's behaviour).</summary>
    Link,
    /// <summary>A plain directory of real files, updated file by file from the worktree.</summary>
    Copy,
}

/// <summary>
/// The last step of a sync: what makes a complete, checked worktree the one consumers see.
/// <see cref="SyncEngine"/> calls it where the link used to be swapped directly.
/// </summary>
internal interface IPublisher
{
    /// <summary>
    /// The worktree whose revision consumers fully see now (<c>.worktrees/&lt;hash&gt;</c>, or a
    /// v3-layout tree in link mode); null when nothing is published or it is not known to be
    /// whole (the next sync then rebuilds and publishes again).
    /// </summary>
    string? Target();

    /// <summary>Makes <paramref name="worktree"/> (named after its hash) what consumers see.</summary>
    Task PublishAsync(string worktree, CancellationToken ct);

    /// <summary>Removes what a killed publish left beside the link.</summary>
    void RemoveTemp();
}

internal static class Publisher
{
    /// <summary>The publisher <c>--publish</c> asks for.</summary>
    public static IPublisher For(SyncOptions options, GitCli git, Log log, Marker? marker, Worktrees worktrees) => options.Publish switch
    {
        PublishMode.Copy => new CopyPublisher(options.Link, options.Root, git, log, marker, worktrees),
        _ => new Link(options.Link),
    };
}
