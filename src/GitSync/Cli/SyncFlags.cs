using GitSync.Git;
using GitSync.Platform;
using GitSync.Sync;

namespace GitSync.Cli;

/// <summary>Flags of what is synced and where it goes, validated into <see cref="SyncOptions"/>.</summary>
internal static class SyncFlags
{
    public static SyncOptions Read(FlagValues f)
    {
        var repo = f.Str(FlagTable.Repo);
        if (string.IsNullOrEmpty(repo))
        {
            throw new ConfigException("required flag: --repo must be specified");
        }
        RefuseOptionLike("--repo", repo, "a URL or path");
        var rootText = f.Str(FlagTable.Root);
        if (string.IsNullOrEmpty(rootText))
        {
            throw new ConfigException("required flag: --root must be specified");
        }
        var root = ResolveRoot(rootText);

        var refText = ReadRef(f);
        RefuseOptionLike("--ref", refText, "a branch, tag, full commit hash or HEAD");
        var refSemver = ReadRefSemver(f);

        var depth = f.Int(FlagTable.Depth);
        if (depth < 0)
        {
            throw new ConfigException("invalid flag: --depth must be greater than or equal to 0");
        }
        var stale = f.Dur(FlagTable.StaleWorktreeTimeout);
        if (stale < TimeSpan.Zero)
        {
            throw new ConfigException("invalid flag: --stale-worktree-timeout must be greater than or equal to 0");
        }

        var mode = f.Str(FlagTable.Publish) switch
        {
            "link" => PublishMode.Link,
            "copy" => PublishMode.Copy,
            var other => throw new ConfigException($"invalid flag: --publish must be link or copy (got \"{other}\")"),
        };
        var link = ReadLink(f, repo, root, mode);
        return new SyncOptions
        {
            Repo = repo,
            Root = root,
            Ref = GitRef.Parse(refText),
            RefSemver = refSemver,
            Link = link,
            Publish = mode,
            MarkerFile = ReadPublish(f, root, link, mode),
            Depth = depth,
            Submodules = f.Str(FlagTable.Submodules) switch
            {
                "recursive" => SubmoduleMode.Recursive,
                "shallow" => SubmoduleMode.Shallow,
                "off" => SubmoduleMode.Off,
                var other => throw new ConfigException($"invalid flag: --submodules must be one of recursive, shallow or off (got \"{other}\")"),
            },
            SparseCheckoutFile = f.StrOrNull(FlagTable.SparseCheckoutFile),
            Filter = f.StrOrNull(FlagTable.Filter),
            GitGc = f.Str(FlagTable.GitGc) switch
            {
                "auto" => GcMode.Auto,
                "always" => GcMode.Always,
                "aggressive" => GcMode.Aggressive,
                "off" => GcMode.Off,
                var other => throw new ConfigException($"invalid flag: --git-gc must be one of auto, always, aggressive or off (got \"{other}\")"),
            },
            StaleWorktreeTimeout = stale,
            RecycleWorktrees = f.Bool(FlagTable.RecycleWorktrees),
        };
    }

    /// <summary>
    /// <c>--ref</c>, or v3's <c>--branch</c>/<c>--rev</c> folded into it; both v3 spellings at once
    /// (with a rev other than HEAD) contradict each other.
    /// </summary>
    private static string ReadRef(FlagValues f)
    {
        var branch = f.IsSet(FlagTable.Branch) ? f.Given(FlagTable.Branch)!.Last : "";
        var rev = f.IsSet(FlagTable.Rev) ? f.Given(FlagTable.Rev)!.Last : "";
        if (branch.Length > 0 && rev.Length > 0 && rev != "HEAD")
        {
            throw new ConfigException("deprecated flag combo: can't set --ref from deprecated --branch and --rev (one or the other is OK)");
        }
        // An explicitly empty --ref (or $GITSYNC_REF) is a mistake, not a request for the
        // default: upstream refuses it too.
        var gitRef = f.Str(FlagTable.Ref);
        if (gitRef.Length == 0)
        {
            throw new ConfigException("required flag: --ref must be specified");
        }
        return gitRef;
    }

    /// <summary>
    /// <c>--ref-semver</c>: a range of release tags to follow instead of <c>--ref</c>. Both at
    /// once is an error, whichever way either was given (flag, environment, v3's --branch/--rev).
    /// </summary>
    private static SemverRange? ReadRefSemver(FlagValues f)
    {
        if (f.Given(FlagTable.RefSemver) is not { } raw)
        {
            return null;
        }
        foreach (var flag in (Flag[])[FlagTable.Ref, FlagTable.Branch, FlagTable.Rev])
        {
            if (f.Given(flag) is { } other)
            {
                throw new ConfigException($"invalid flag: {raw.Origin} and {other.Origin} are mutually exclusive: --ref-semver follows the newest tag in its range instead of --ref; set one of them");
            }
        }
        try
        {
            return SemverRange.Parse(raw.Last);
        }
        catch (FormatException e)
        {
            throw new ConfigException($"invalid flag: {raw.Origin} is not a version range: {e.Message}");
        }
    }

    private static string ReadLink(FlagValues f, string repo, string root, PublishMode mode)
    {
        var link = f.Str(FlagTable.Link);
        if (string.IsNullOrEmpty(link))
        {
            link = DefaultLinkName(repo);
        }
        if (string.IsNullOrEmpty(link) || link is "." or "..")
        {
            throw new ConfigException("invalid flag: --link could not be derived from --repo; set it explicitly");
        }
        var linkPath = Path.GetFullPath(link, root);
        if (linkPath.TrimEnd('/') == root.TrimEnd('/'))
        {
            throw new ConfigException("invalid flag: --link must not be the root itself");
        }
        // Copy mode publishes a directory there; a directory copy mode published before is
        // switched to a link by the first publish (Link.SwitchFromCopy).
        if (mode == PublishMode.Link && !File.Exists(CopyJournal.PathFor(linkPath)))
        {
            RefuseExistingDirectory(linkPath);
        }
        return linkPath;
    }

    /// <summary>
    /// <c>--publish</c>'s constraints and <c>--marker-file</c>. The marker must live outside what
    /// is published (copy mode would delete it; in link mode it would be written into a
    /// worktree), and a copy must not contain the root or be inside git's or the worktrees'
    /// directories: the first publish makes the directory equal to a commit, deleting whatever
    /// else is there.
    /// </summary>
    private static string? ReadPublish(FlagValues f, string root, string link, PublishMode mode)
    {
        static bool Within(string path, string dir) => path == dir || path.StartsWith(dir.TrimEnd('/') + "/", StringComparison.Ordinal);
        var marker = RootRelative(f.Str(FlagTable.MarkerFile), root);
        if (marker is not null && (Within(marker, link) || marker.TrimEnd('/') == root.TrimEnd('/')))
        {
            throw new ConfigException($"invalid flag: --marker-file ({marker}) must be outside the published --link ({link})");
        }
        if (mode == PublishMode.Copy)
        {
            if (Within(root, link))
            {
                throw new ConfigException($"invalid flag: with --publish=copy, --link ({link}) must not contain --root ({root})");
            }
            if (Within(link, Path.Combine(root, ".git")) || Within(link, Path.Combine(root, ".worktrees")))
            {
                throw new ConfigException($"invalid flag: with --publish=copy, --link ({link}) must not be inside --root's .git or .worktrees");
            }
            foreach (var (flag, file) in new[] { ("--touch-file", f.Str(FlagTable.TouchFile)), ("--error-file", f.Str(FlagTable.ErrorFile)) })
            {
                if (RootRelative(file, root) is { } path && Within(path, link))
                {
                    throw new ConfigException($"invalid flag: with --publish=copy, {flag} ({path}) must be outside --link ({link}): the copy holds only the commit's files");
                }
            }
        }
        return marker;
    }

    /// <summary>
    /// Publishing renames a new symlink over the link, and rename(2) can't replace a directory
    /// with a symlink: found only after a full fetch, it would fail every sync. A directory that
    /// an image ships (Debian's /usr/share/nginx/html) is the usual cause. A copy that
    /// <c>--publish=copy</c> made is switched to a link instead (its journal is beside it), so
    /// the message says what to do when that journal is gone, or when the directory is an
    /// empty mount point copy mode could fill.
    /// </summary>
    internal static void RefuseExistingDirectory(string linkPath)
    {
        var info = new DirectoryInfo(linkPath);
        if (info.Exists && info.LinkTarget is null)
        {
            var parent = Path.GetDirectoryName(linkPath) ?? "/";
            var copyHint = !IsEmptyDirectory(info)
                ? $"; a copy made by --publish=copy is switched to a link only while its journal {Path.GetFileName(CopyJournal.PathFor(linkPath))} is beside it: remove the directory, or empty it and start with --publish=copy"
                : "; or keep this empty directory and start with --publish=copy to have it hold real files";
            throw new ConfigException($"invalid flag: --link {linkPath} is an existing directory, and git-sync can only replace a symlink there; "
                + $"point --link at a path that does not exist yet (git-sync creates the symlink), e.g. mount the volume at {parent} instead of {linkPath}"
                + copyHint);
        }
    }

    private static bool IsEmptyDirectory(DirectoryInfo dir)
    {
        try
        {
            return !dir.EnumerateFileSystemInfos().Any();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static LoopOptions ReadLoop(FlagValues f, string root)
    {
        var period = f.Dur(FlagTable.Period);
        if (period < TimeSpan.FromMilliseconds(10))
        {
            throw new ConfigException("invalid flag: --period must be at least 10ms");
        }
        var initPeriod = f.IsSet(FlagTable.InitPeriod) ? f.Dur(FlagTable.InitPeriod) : period;
        if (initPeriod < TimeSpan.FromMilliseconds(10))
        {
            throw new ConfigException("invalid flag: --init-period must be at least 10ms");
        }
        var syncTimeout = f.Dur(FlagTable.SyncTimeout);
        if (syncTimeout < TimeSpan.FromMilliseconds(10))
        {
            throw new ConfigException("invalid flag: --sync-timeout must be at least 10ms");
        }
        var maxFailures = f.Int(FlagTable.MaxFailures);
        int? signal = null;
        var signalText = f.Str(FlagTable.SyncOnSignal);
        if (!string.IsNullOrEmpty(signalText))
        {
            signal = SignalNumbers.Parse(signalText)
                ?? throw new ConfigException($"invalid flag: --sync-on-signal must be a signal name or number (got \"{signalText}\")");
        }
        return new LoopOptions
        {
            Period = period,
            InitPeriod = initPeriod,
            SyncTimeout = syncTimeout,
            OneTime = f.Bool(FlagTable.OneTime),
            MaxFailures = maxFailures,
            InitMaxFailures = f.IsSet(FlagTable.InitMaxFailures) ? f.Int(FlagTable.InitMaxFailures) : maxFailures,
            SyncSignal = signal,
            TouchFile = RootRelative(f.Str(FlagTable.TouchFile), root),
            ErrorFile = RootRelative(f.Str(FlagTable.ErrorFile), root),
        };
    }

    /// <summary>
    /// git reads an argument that starts with '-' as an option wherever an option may stand, and
    /// some options run commands (<c>--upload-pack</c>, <c>-c core.sshCommand=…</c>). Every git
    /// command separates user values with <c>--</c> too; refusing them here also gives a clear
    /// message instead of a confusing git error.
    /// </summary>
    private static void RefuseOptionLike(string flag, string value, string what)
    {
        if (value.StartsWith('-'))
        {
            throw new ConfigException($"invalid flag: {flag} must be {what}, not something that starts with '-' (got \"{Logging.Redactor.RedactUrlPasswords(value)}\")");
        }
        if (value.Any(char.IsControl))
        {
            throw new ConfigException($"invalid flag: {flag} must not contain control characters such as line breaks");
        }
    }

    /// <summary>Default link name: the last path element of the repo, without a trailing '/'.</summary>
    internal static string DefaultLinkName(string repo)
    {
        var trimmed = repo.TrimEnd('/');
        var slash = trimmed.LastIndexOfAny(['/', ':']);
        return slash >= 0 ? trimmed[(slash + 1)..] : trimmed;
    }

    /// <summary>
    /// The root as an absolute path without symlinks or <c>..</c>: the longest existing prefix is
    /// resolved with realpath(3), the rest (created later) is appended.
    /// </summary>
    internal static string ResolveRoot(string text)
    {
        var full = Path.GetFullPath(text).TrimEnd('/');
        if (full.Length == 0)
        {
            return "/";
        }
        var existing = full;
        var rest = new Stack<string>();
        while (!Directory.Exists(existing))
        {
            var parent = Path.GetDirectoryName(existing);
            if (parent is null)
            {
                return full;
            }
            rest.Push(Path.GetFileName(existing));
            existing = parent;
        }
        var resolved = Native.RealPath(existing);
        while (rest.Count > 0)
        {
            resolved = Path.Combine(resolved, rest.Pop());
        }
        return resolved;
    }

    private static string? RootRelative(string path, string root)
        => string.IsNullOrEmpty(path) ? null : Path.GetFullPath(path, root);
}
