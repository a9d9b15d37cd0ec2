using GitSync.Platform;

namespace GitSync.Cli;

/// <summary>What the command line asks for.</summary>
internal enum CliAction
{
    Run,
    Help,
    Man,
    Check,
    Version,
}

/// <summary>The result of reading the command line: an action, the options, and warnings to log.</summary>
/// <param name="Probe"><c>--check --probe</c>: also check what the sync would meet (key files, known_hosts, the network).</param>
internal sealed record CliRequest(CliAction Action, GitSyncOptions? Options, IReadOnlyList<string> Warnings, bool Probe = false);

/// <summary>
/// Turns the command line and environment into a validated <see cref="GitSyncOptions"/>: each
/// feature's flags are validated by its own reader (<see cref="SyncFlags"/>, <see cref="GitFlags"/>,
/// <see cref="AuthFlags"/>, <see cref="HookFlags"/>, <see cref="HttpFlags"/>, <see cref="TrustFlags"/>);
/// this class only composes them. Every problem is a <see cref="ConfigException"/> whose one-line
/// message names the flag, upstream-style.
/// </summary>
internal static class OptionsBuilder
{
    /// <summary>
    /// Best-effort error-file path for reporting a configuration error. Scans leniently (the
    /// command line may be the very thing that is broken): the last --error-file and --root given
    /// on the command line (any spelling), else their environment variables.
    /// </summary>
    public static string? ErrorFileFor(IReadOnlyList<string> args, Func<string, string?> getEnv)
    {
        string? Scan(Flag flag)
        {
            string? found = null;
            for (var i = 0; i < args.Count; i++)
            {
                var a = args[i].TrimStart('-');
                if (a == flag.Name && i + 1 < args.Count)
                {
                    found = args[i + 1];
                }
                else if (a.StartsWith(flag.Name + "=", StringComparison.Ordinal))
                {
                    found = a[(flag.Name.Length + 1)..];
                }
            }
            return found ?? flag.Env.Select(getEnv).LastOrDefault(v => v is not null);
        }
        var errorFile = Scan(FlagTable.ErrorFile);
        if (string.IsNullOrEmpty(errorFile))
        {
            return null;
        }
        if (Path.IsPathRooted(errorFile))
        {
            return errorFile;
        }
        var root = Scan(FlagTable.Root);
        return string.IsNullOrEmpty(root) ? null : Path.Combine(Path.GetFullPath(root), errorFile);
    }

    public static CliRequest Build(IReadOnlyList<string> args, Func<string, string?> getEnv)
        => Build(args, getEnv, []);

    /// <param name="envNames">Every variable name in the environment, to warn about misspelt git-sync ones.</param>
    public static CliRequest Build(IReadOnlyList<string> args, Func<string, string?> getEnv, IEnumerable<string> envNames)
    {
        var parsed = FlagParser.Parse(args, getEnv);
        var flags = new FlagValues(parsed, getEnv);
        var warnings = new List<string>(parsed.Warnings);
        warnings.AddRange(FlagSuggestions.UnknownEnvironment(envNames));
        // Malformed values are errors even with --help (so a broken manifest is noticed early).
        flags.CheckTypes();
        if (flags.Bool(FlagTable.Help))
        {
            return new CliRequest(CliAction.Help, null, warnings);
        }
        if (flags.Bool(FlagTable.Man))
        {
            return new CliRequest(CliAction.Man, null, warnings);
        }
        if (flags.Bool(FlagTable.Version))
        {
            return new CliRequest(CliAction.Version, null, warnings);
        }
        foreach (var raw in flags.AllGiven.Where(r => r.Flag.Deprecated))
        {
            warnings.Add($"{raw.Origin} is deprecated, use {raw.Flag.ReplacedBy} instead");
        }
        var options = BuildOptions(flags);
        var check = flags.Bool(FlagTable.Check);
        var probe = flags.Bool(FlagTable.Probe);
        if (probe && !check)
        {
            throw new ConfigException("invalid flag: --probe only goes with --check");
        }
        return new CliRequest(check ? CliAction.Check : CliAction.Run, options, warnings, check && probe);
    }

    private static GitSyncOptions BuildOptions(FlagValues f)
    {
        if (f.IsSet(FlagTable.ChangePermissions) && f.Int(FlagTable.ChangePermissions) != 0)
        {
            throw new ConfigException("deprecated flag: --change-permissions is no longer supported (use --group-write)");
        }
        var sync = SyncFlags.Read(f);
        var loop = SyncFlags.ReadLoop(f, sync.Root);
        var http = HttpFlags.Read(f);
        var git = GitFlags.Read(f);
        var hooks = HookFlags.Read(f, loop.SyncTimeout);
        return new GitSyncOptions
        {
            Sync = sync,
            Loop = loop,
            Git = git,
            GroupWrite = f.Bool(FlagTable.GroupWrite),
            AddUser = f.Bool(FlagTable.AddUser),
            Http = http,
            Verbosity = f.Int(FlagTable.Verbose),
            Hooks = hooks,
            Auth = AuthFlags.Read(f, sync.Repo),
            Signatures = TrustFlags.Read(f, sync.Ref, followsReleases: sync.RefSemver is not null),
        };
    }
}
