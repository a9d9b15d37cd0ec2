using GitSync.Platform;

namespace GitSync.Cli;

/// <summary>Where a flag's value came from.</summary>
internal enum ValueSource
{
    Default,
    Environment,
    CommandLine,
}

/// <summary>The raw text of one flag, before conversion.</summary>
internal sealed record RawValue(Flag Flag, IReadOnlyList<string> Values, ValueSource Source, string Origin)
{
    /// <summary>The last value given (pflag semantics for repeated scalar flags).</summary>
    public string Last => Values.Count == 0 ? "" : Values[^1];
}

/// <summary>
/// Turns argv and the environment into raw flag values, pflag-style: <c>--flag=value</c>,
/// <c>--flag value</c>, bare <c>--flag</c> for booleans, <c>-v 5</c> / <c>-v=5</c> / <c>-v5</c>,
/// and v3's single-dash long form (<c>-repo=...</c>). A repeated scalar flag keeps its last value;
/// list flags keep every value. Environment variables fill flags not given on the command line.
/// </summary>
internal sealed class FlagParser
{
    private const string EnvFlagPrefix = "__env__";
    private readonly Dictionary<string, List<string>> _commandLine = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _envOverrides = new(StringComparer.Ordinal);

    public List<string> Warnings { get; } = [];

    public IReadOnlyDictionary<string, RawValue> Values { get; private set; } = new Dictionary<string, RawValue>();

    /// <summary>Values that only come from the environment (<c>$GITSYNC_PASSWORD</c>...), after overrides.</summary>
    public string? EnvOnly(string name, Func<string, string?> getEnv)
        => _envOverrides.TryGetValue(name, out var v) ? v : getEnv(name);

    public static FlagParser Parse(IReadOnlyList<string> args, Func<string, string?> getEnv)
    {
        var parser = new FlagParser();
        parser.ParseArgs(args);
        parser.Bind(getEnv);
        return parser;
    }

    private void ParseArgs(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                if (i + 1 < args.Count)
                {
                    throw new ConfigException($"unexpected argument: {args[i + 1]} (git-sync takes flags only)");
                }
                break;
            }
            if (arg.Length < 2 || arg[0] != '-')
            {
                throw new ConfigException($"unexpected argument: {arg} (git-sync takes flags only)");
            }
            var body = arg[1] == '-' ? arg[2..] : arg[1..];
            string name;
            string? value = null;
            var eq = body.IndexOf('=');
            if (eq >= 0)
            {
                name = body[..eq];
                value = body[(eq + 1)..];
            }
            else
            {
                name = body;
            }

            // The hidden --__env__NAME=value form sets an env-only value (upstream's test hook).
            if (arg.StartsWith("--" + EnvFlagPrefix, StringComparison.Ordinal))
            {
                var envName = name[EnvFlagPrefix.Length..];
                if (value is null)
                {
                    if (i + 1 >= args.Count)
                    {
                        throw new ConfigException($"flag needs an argument: --{name}");
                    }
                    value = args[++i];
                }
                if (value.Length > 0)
                {
                    _envOverrides[envName] = value;
                }
                continue;
            }

            var flag = Resolve(arg, name, ref value);
            if (flag is null)
            {
                var token = arg.Split('=')[0];
                var hint = FlagSuggestions.ForFlag(name, token.StartsWith("--", StringComparison.Ordinal) ? "--" : "-");
                throw new ConfigException($"unknown flag: {token}" + (hint is null ? "" : $" (did you mean {hint}?)"));
            }
            if (value is null)
            {
                if (flag.Type == FlagType.Bool)
                {
                    value = "true";
                }
                else if (i + 1 < args.Count)
                {
                    value = args[++i];
                }
                else
                {
                    throw new ConfigException($"flag needs an argument: --{flag.Name}");
                }
            }
            if (!_commandLine.TryGetValue(flag.Name, out var list))
            {
                _commandLine[flag.Name] = list = [];
            }
            list.Add(value);
        }
    }

    /// <summary>Finds the flag a token names: long, short (with attached value) or v3 single-dash long.</summary>
    private static Flag? Resolve(string arg, string name, ref string? value)
    {
        var doubleDash = arg.StartsWith("--", StringComparison.Ordinal);
        if (doubleDash)
        {
            return FlagTable.Find(name);
        }
        if (name == "?")
        {
            return FlagTable.Find("help");
        }
        // Single dash: a known long name wins (v3 manifests: -repo=..., -ssh, -v=5 is the short one anyway).
        if (name.Length > 1 && FlagTable.Find(name) is { } longFlag)
        {
            return longFlag;
        }
        if (name.Length >= 1 && FlagTable.FindShort(name[0]) is { } shortFlag)
        {
            if (name.Length > 1)
            {
                if (value is not null)
                {
                    return null;
                }
                value = name[1..];
            }
            return shortFlag;
        }
        return null;
    }

    private void Bind(Func<string, string?> getEnv)
    {
        var values = new Dictionary<string, RawValue>(StringComparer.Ordinal);
        foreach (var flag in FlagTable.All)
        {
            if (_commandLine.TryGetValue(flag.Name, out var given))
            {
                values[flag.Name] = new RawValue(flag, given, ValueSource.CommandLine, "--" + flag.Name);
                continue;
            }
            // Upstream's rule: when several spellings are set, the deprecated (later) one wins.
            string? chosen = null;
            string? chosenValue = null;
            foreach (var envName in flag.Env)
            {
                var v = _envOverrides.TryGetValue(envName, out var o) ? o : getEnv(envName);
                if (v is null)
                {
                    continue;
                }
                if (chosen is not null)
                {
                    Warnings.Add($"env ${chosen} was overridden by ${envName}");
                }
                if (envName != flag.Env[0] && !flag.Deprecated)
                {
                    Warnings.Add($"env ${envName} has been deprecated, use ${flag.Env[0]} instead");
                }
                chosen = envName;
                chosenValue = v;
            }
            if (chosen is not null && chosenValue is not null)
            {
                // Only the SSH key list has a separator in the environment (':'); other list
                // flags (JSON credentials, git config entries) take the whole value as one item.
                IReadOnlyList<string> list = flag.Name == "ssh-key-file"
                    ? chosenValue.Split(':', StringSplitOptions.RemoveEmptyEntries)
                    : [chosenValue];
                values[flag.Name] = new RawValue(flag, list, ValueSource.Environment, "$" + chosen);
            }
        }
        Values = values;
    }

    /// <summary>Whether a flag was given at all (command line or environment).</summary>
    public bool IsSet(string name) => Values.ContainsKey(name);

    public RawValue? Get(string name) => Values.GetValueOrDefault(name);
}
