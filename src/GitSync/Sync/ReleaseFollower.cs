using GitSync.Git;
using GitSync.Logging;
using GitSync.Metrics;
using GitSync.Trust;

namespace GitSync.Sync;

/// <summary>No tag on the remote is in the <c>--ref-semver</c> range: the sync fails, the served tree stays.</summary>
internal sealed class NoReleaseException(string message) : Exception(message);

/// <summary>
/// <c>--ref-semver</c>: which tag each sync follows. One <c>git ls-remote --tags</c> per sync
/// (peeled, so an annotated tag gives its commit) replaces the ref probe; the newest tag in the
/// range is the ref of that sync. There is no fallback: a newest tag that the signature gate
/// refuses fails the sync (and is reported, by name) rather than letting an older tag through,
/// so the served version moves down only when the newer tags are gone from the remote.
/// Thread-safe for readers of <see cref="Current"/> (/status).
/// </summary>
internal sealed class ReleaseFollower(SemverRange range, string repo, string root, GitCli git, bool verifyTags, Log log)
{
    private readonly Lock _gate = new();
    private ReleaseState _current = new(range.Text, null, null, null, null);
    private ReleaseTag? _published;

    /// <summary>What /status shows: the range, the tag served and, while the newest tag is refused, that tag and why.</summary>
    internal sealed record ReleaseState(string Range, string? Tag, string? Version, string? RejectedTag, string? RejectedReason);

    public SemverRange Range => range;

    /// <summary>Where the served and refused tags are shown (with --http-metrics).</summary>
    public ReleaseMetrics? Metrics { get; set; }

    public ReleaseState Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>
    /// Lists the remote's tags (one git process) and returns the newest in range.
    /// <paramref name="servedHash"/> tells, after a restart, which release is being served.
    /// </summary>
    /// <exception cref="NoReleaseException">No tag is in range.</exception>
    /// <exception cref="GitException">The remote could not be listed.</exception>
    public async Task<ReleaseTag> ChooseAsync(string? servedHash, CancellationToken ct)
    {
        // "--": the repository is a user value. ls-remote shows the peeled (^{}) line of every
        // annotated tag, so both kinds of tag give their commit without a fetch.
        var listing = await git.RunAsync(root, ["ls-remote", "--tags", "--", repo], ct).ConfigureAwait(false);
        var tags = ReleaseTags.Parse(listing.Stdout);
        if (_published is null && servedHash is not null)
        {
            // After a restart: the newest tag in range at the served commit is what was served,
            // the baseline against which a move down is reported.
            _published = ReleaseTags.Newest(tags.Where(t => t.Commit == servedHash), range);
        }
        return ReleaseTags.Newest(tags, range)
            ?? throw new NoReleaseException($"no tag on the remote matches --ref-semver={range.Text} ({range.Normalized}; {tags.Count} semver tags seen)");
    }

    /// <summary>
    /// Whether a sync that found <paramref name="tag"/> at the served commit must still verify
    /// it: in tag mode, a tag other than the one last verified (a new tag at the same commit,
    /// or the same tag re-made) is checked before it counts as served.
    /// </summary>
    public bool MustVerify(ReleaseTag tag) => verifyTags && _published?.Object != tag.Object;

    /// <summary><paramref name="tag"/> is what the link serves now (published, or found unchanged).</summary>
    public void Served(ReleaseTag tag)
    {
        var previous = _published;
        _published = tag;
        if (previous is not null && tag.Version.ComparePrecedenceTo(previous.Version) < 0)
        {
            // Only a newer tag that left the remote (deleted, renamed out of range) gets here:
            // while it is listed it is the choice, verified or not.
            log.Info(0, "warning: moved down to an older release, the newer tag is gone from the remote",
                ("from", previous.Name), ("to", tag.Name), ("range", range.Text));
        }
        else if (previous is null || previous.Name != tag.Name || previous.Commit != tag.Commit)
        {
            log.Info(1, "following release", ("tag", tag.Name), ("version", tag.VersionText), ("commit", tag.Commit), ("range", range.Text));
        }
        lock (_gate)
        {
            _current = _current with { Tag = tag.Name, Version = tag.VersionText, RejectedTag = null, RejectedReason = null };
        }
        Metrics?.Served(range.Text, tag.Name, tag.VersionText);
    }

    /// <summary>
    /// The signature gate refused <paramref name="tag"/> (the newest in range): recorded for
    /// /status and /metrics and logged with the tag's name; the sync then fails.
    /// </summary>
    public void Rejected(ReleaseTag tag, SignatureRejectedException e)
    {
        lock (_gate)
        {
            _current = _current with { RejectedTag = tag.Name, RejectedReason = e.Message };
        }
        Metrics?.Rejected(tag.Name, tag.VersionText, e.Result.ToString().ToLowerInvariant());
        log.Error(e.Message, "newest release in range refused, not publishing it nor any older one",
            ("tag", tag.Name), ("version", tag.VersionText), ("serving", _published?.Name));
    }
}
